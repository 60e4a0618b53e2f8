CREATE TABLE `opening_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`opening_id` integer NOT NULL
);
--> statement-breakpoint
-- Every change to what the matcher reads of an opening, whichever connection makes it (see services/opening-catalogue.ts).
CREATE TRIGGER `openings_changes_insert` AFTER INSERT ON `openings` BEGIN
  INSERT INTO `opening_changes` (`opening_id`) VALUES (NEW.`id`);
END;--> statement-breakpoint
CREATE TRIGGER `openings_changes_update` AFTER UPDATE OF `status`, `lat`, `lon`, `area_code`, `kind`, `serves`, `hours`, `skills`, `poverty_only`, `closing_date` ON `openings` BEGIN
  INSERT INTO `opening_changes` (`opening_id`) VALUES (NEW.`id`);
END;--> statement-breakpoint
CREATE TRIGGER `openings_changes_delete` AFTER DELETE ON `openings` BEGIN
  INSERT INTO `opening_changes` (`opening_id`) VALUES (OLD.`id`);
END;
