CREATE TABLE `care_counts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`area_code` text NOT NULL,
	`effective_date` text NOT NULL,
	`elders` integer NOT NULL,
	`children` integer NOT NULL,
	`disabled` integer NOT NULL,
	`source` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`area_code`) REFERENCES `areas`(`code`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "care_counts_ck" CHECK("care_counts"."elders" >= 0 AND "care_counts"."children" >= 0 AND "care_counts"."disabled" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `care_counts_area_date_uq` ON `care_counts` (`area_code`,`effective_date`);--> statement-breakpoint
DROP INDEX `openings_kind_area_idx`;--> statement-breakpoint
CREATE INDEX `openings_kind_area_idx` ON `openings` (`kind`,`area_code`,`created_at`,`status`,`updated_at`,`closing_date`,`slots`,`serves`);--> statement-breakpoint
CREATE INDEX `workers_carers_idx` ON `workers` (`area_code`,`registered_on`,`care_for`,`household_id`) WHERE cannot_leave_home = 1 AND erased_at IS NULL AND able_to_work = 1;