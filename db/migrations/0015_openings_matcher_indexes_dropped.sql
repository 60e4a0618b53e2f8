-- The matcher ranks its catalogue of open openings in memory (0012): nothing reads openings by these any more.
DROP INDEX `openings_grid_idx`;--> statement-breakpoint
DROP INDEX `openings_status_area_idx`;
