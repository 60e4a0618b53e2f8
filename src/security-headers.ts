// The response headers that tell a browser what it may do with our answers
// (hono/secure-headers), one policy per kind of page: the JSON API allows
// nothing to load or frame it; the console runs no script at all (styles
// inline, images of its own, forms to itself); the /docs page runs Swagger
// UI's script, which the app serves itself, and fetches /openapi.json.
import { secureHeaders } from 'hono/secure-headers';

const common = {
  // Honoured only over https (behind the proxy); a year, as browsers' preload lists ask.
  strictTransportSecurity: 'max-age=31536000; includeSubDomains',
  xFrameOptions: 'DENY',
  xContentTypeOptions: 'nosniff',
  crossOriginOpenerPolicy: 'same-origin',
  crossOriginResourcePolicy: 'same-origin',
  permissionsPolicy: { camera: false, microphone: false, geolocation: false },
} as const;

/** The JSON API and everything that is not a page. */
export const apiHeaders = secureHeaders({
  ...common,
  referrerPolicy: 'no-referrer',
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
});

/** The staff console: no script may run, whatever a page holds. */
export const consoleHeaders = secureHeaders({
  ...common,
  referrerPolicy: 'same-origin',
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'none'"],
    styleSrc: ["'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
});

/** /docs: Swagger UI's own script and styles from this server, the document from /openapi.json. */
export const docsHeaders = secureHeaders({
  ...common,
  referrerPolicy: 'no-referrer',
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    // Swagger UI sets style attributes as it renders.
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
});
