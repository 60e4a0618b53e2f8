CREATE TABLE `assessments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`placement_id` integer NOT NULL,
	`worker_id` integer NOT NULL,
	`household_id` integer NOT NULL,
	`opening_id` integer,
	`home_area_code` text NOT NULL,
	`month` text NOT NULL,
	`days_worked` integer NOT NULL,
	`attendance_score` real,
	`township_score` real,
	`appraisal_score` real,
	`total_score` real NOT NULL,
	`band_label` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`deduction_fen` integer NOT NULL,
	`deduction_reason` text,
	`deductions` text DEFAULT '[]' NOT NULL,
	`revision` integer DEFAULT 1 NOT NULL,
	`recorded_by_token_id` integer,
	`recorded_at` text NOT NULL,
	`told_how` text,
	`told_at` text,
	`told_revision` integer,
	`paid_at` text,
	`paid_by_token_id` integer,
	FOREIGN KEY (`placement_id`) REFERENCES `placements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "assessments_days_ck" CHECK("assessments"."days_worked" >= 0 AND "assessments"."days_worked" <= 31)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `assessments_placement_month_uq` ON `assessments` (`placement_id`,`month`);--> statement-breakpoint
CREATE INDEX `assessments_area_month_idx` ON `assessments` (`home_area_code`,`month`);--> statement-breakpoint
CREATE TABLE `post_check_runs` (
	`month` text PRIMARY KEY NOT NULL,
	`after_worker_id` integer DEFAULT 0 NOT NULL,
	`done_at` text
);
--> statement-breakpoint
CREATE TABLE `post_checkins` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`placement_id` integer NOT NULL,
	`worker_id` integer NOT NULL,
	`home_area_code` text NOT NULL,
	`month` text NOT NULL,
	`asked_at` text NOT NULL,
	`answer_due` text NOT NULL,
	`answer` text,
	`answered_at` text,
	`flagged_at` text,
	FOREIGN KEY (`placement_id`) REFERENCES `placements`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `post_checkins_placement_month_uq` ON `post_checkins` (`placement_id`,`month`);--> statement-breakpoint
CREATE INDEX `post_checkins_due_idx` ON `post_checkins` (`answer_due`) WHERE answer IS NULL AND flagged_at IS NULL;--> statement-breakpoint
CREATE TABLE `post_checks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`placement_id` integer NOT NULL,
	`worker_id` integer NOT NULL,
	`home_area_code` text NOT NULL,
	`month` text NOT NULL,
	`detail` text DEFAULT '{}' NOT NULL,
	`raised_at` text NOT NULL,
	`resolved_at` text,
	`resolved_by_token_id` integer,
	`resolution` text,
	`note` text,
	FOREIGN KEY (`placement_id`) REFERENCES `placements`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `post_checks_kind_placement_month_uq` ON `post_checks` (`kind`,`placement_id`,`month`);--> statement-breakpoint
CREATE INDEX `post_checks_open_idx` ON `post_checks` (`home_area_code`,`id`) WHERE resolved_at IS NULL;--> statement-breakpoint
CREATE INDEX `post_checks_area_idx` ON `post_checks` (`home_area_code`,`month`);