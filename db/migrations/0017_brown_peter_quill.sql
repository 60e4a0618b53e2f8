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
CREATE UNIQUE INDEX `workers_wechat_uq` ON `workers` (`wechat_openid`);