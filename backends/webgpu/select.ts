/**
 * Backend selection by name, kept here for existing importers: `createBackend` and
 * `acquireBackend` now live beside the Backend interface in `@remat/core`, which loads each
 * backend package only when its name is asked for.
 * @module
 */
export {
  acquireBackend,
  BACKEND_CHOICES,
  type BackendChoice,
  type BackendOptions,
  createBackend,
} from "@remat/core";
