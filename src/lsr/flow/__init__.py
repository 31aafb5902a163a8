"""The flow model: a demand and capacity simulation of older people's flow through hospital,
home care, step-down beds and care homes. Pure computation, like :mod:`lsr.core`."""
