// Start the NHS.UK frontend components (loaded as a module: no inline script, CSP 'self').
import { initAll } from "./nhsuk-frontend.min.js";
initAll();
