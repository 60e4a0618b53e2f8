-- The matcher reads its catalogue of open openings (0012) instead.
DROP TRIGGER `openings_skills_insert`;--> statement-breakpoint
DROP TRIGGER `openings_skills_update`;--> statement-breakpoint
DROP TRIGGER `openings_skills_delete`;--> statement-breakpoint
DROP TABLE `opening_skills`;
