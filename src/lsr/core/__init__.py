"""Pure computation: statistics, indicator definitions, SPC and profile assembly. No I/O."""
