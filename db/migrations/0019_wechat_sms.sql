CREATE TABLE `sms_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`outbox_id` integer,
	`worker_id` integer,
	`phone` text NOT NULL,
	`kind` text NOT NULL,
	`application_id` integer,
	`opening_id` integer,
	`biz_id` text,
	`status` text DEFAULT 'sent' NOT NULL,
	`error` text,
	`sent_at` text NOT NULL,
	`reported_at` text,
	FOREIGN KEY (`outbox_id`) REFERENCES `outbox`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sms_messages_phone_idx` ON `sms_messages` (`phone`,`sent_at`);--> statement-breakpoint
CREATE INDEX `sms_messages_biz_idx` ON `sms_messages` (`biz_id`);--> statement-breakpoint
CREATE TABLE `sms_replies` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`worker_id` integer,
	`phone` text NOT NULL,
	`content` text NOT NULL,
	`meaning` text NOT NULL,
	`application_id` integer,
	`opening_id` integer,
	`sequence_id` text NOT NULL,
	`received_at` text NOT NULL,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sms_replies_seq_uq` ON `sms_replies` (`sequence_id`);--> statement-breakpoint
CREATE INDEX `sms_replies_worker_idx` ON `sms_replies` (`worker_id`);--> statement-breakpoint
CREATE TABLE `wechat_messages` (
	`key` text PRIMARY KEY NOT NULL,
	`openid` text NOT NULL,
	`received_at` text NOT NULL,
	`reply` text
);
--> statement-breakpoint
ALTER TABLE `employers` ADD `wechat_openid` text;--> statement-breakpoint
CREATE UNIQUE INDEX `employers_wechat_uq` ON `employers` (`wechat_openid`);--> statement-breakpoint
ALTER TABLE `workers` ADD `wechat_openid` text;--> statement-breakpoint
ALTER TABLE `workers` ADD `wechat_last_seen_at` text;--> statement-breakpoint
ALTER TABLE `workers` ADD `sms_opt_out_at` text;--> statement-breakpoint
CREATE UNIQUE INDEX `workers_wechat_uq` ON `workers` (`wechat_openid`);