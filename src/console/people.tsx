// A person's and a household's own pages, and registering a person: the
// routes of registration.tsx, worker-page.tsx and household-page.tsx.
import type { Hono } from 'hono';
import type { ConsoleEnv } from './context.js';
import { householdRoutes } from './household-page.js';
import { registrationRoutes } from './registration.js';
import { workerRoutes } from './worker-page.js';

export function peopleRoutes(app: Hono<ConsoleEnv>) {
  registrationRoutes(app);
  workerRoutes(app);
  householdRoutes(app);
}
