import type { Rule } from "./define.js";
import addingRequiredField from "./adding-required-field.js";
import addingFieldWithDefault from "./adding-field-with-default.js";
import addingAutoIncrementColumn from "./adding-auto-increment-column.js";
import addingStoredGeneratedColumn from "./adding-stored-generated-column.js";
import addingNotNullableField from "./adding-not-nullable-field.js";
import changingColumnType from "./changing-column-type.js";
import requireConcurrentIndexCreation from "./require-concurrent-index-creation.js";
import requireConcurrentIndexDeletion from "./require-concurrent-index-deletion.js";
import requireConcurrentReindex from "./require-concurrent-reindex.js";
import banConcurrentIndexCreationInTransaction from "./ban-concurrent-index-creation-in-transaction.js";
import banNonTransactionalInTransaction from "./ban-non-transactional-in-transaction.js";
import constraintMissingNotValid from "./constraint-missing-not-valid.js";
import disallowedUniqueConstraint from "./disallowed-unique-constraint.js";
import addingSerialPrimaryKeyField from "./adding-serial-primary-key-field.js";
import addingExclusionConstraint from "./adding-exclusion-constraint.js";
import renamingColumn from "./renaming-column.js";
import renamingTable from "./renaming-table.js";
import banDropColumn from "./ban-drop-column.js";
import banDropTable from "./ban-drop-table.js";
import banDropNotNull from "./ban-drop-not-null.js";
import banTruncateCascade from "./ban-truncate-cascade.js";
import banDropDatabase from "./ban-drop-database.js";
import requireBatchedBackfill from "./require-batched-backfill.js";
import mixingSchemaAndDataChanges from "./mixing-schema-and-data-changes.js";
import requireTimeoutSettings from "./require-timeout-settings.js";
import preferRepack from "./prefer-repack.js";
import banSetTablespace from "./ban-set-tablespace.js";
import banSetLoggedUnlogged from "./ban-set-logged-unlogged.js";
import requireConcurrentRefresh from "./require-concurrent-refresh.js";
import requirePartitionCheckBeforeAttach from "./require-partition-check-before-attach.js";
import requireConcurrentPartitionDetach from "./require-concurrent-partition-detach.js";
import banEnumAddValueInTransaction from "./ban-enum-add-value-in-transaction.js";
import transactionNesting from "./transaction-nesting.js";
import banUncommittedTransaction from "./ban-uncommitted-transaction.js";
import preferRobustStmts from "./prefer-robust-stmts.js";
import banCreateDomainWithConstraint from "./ban-create-domain-with-constraint.js";
import banAlterDomainWithAddConstraint from "./ban-alter-domain-with-add-constraint.js";
import preferBigintOverInt from "./prefer-bigint-over-int.js";
import preferBigintOverSmallint from "./prefer-bigint-over-smallint.js";
import preferIdentity from "./prefer-identity.js";
import preferTextField from "./prefer-text-field.js";
import preferTimestamptz from "./prefer-timestamptz.js";
import banCharField from "./ban-char-field.js";
import preferJsonb from "./prefer-jsonb.js";
import identifierTooLong from "./identifier-too-long.js";
import banDuplicateColumnAssignments from "./ban-duplicate-column-assignments.js";
import requireStatementTimeout from "./require-statement-timeout.js";
import unsupportedInPgVersion from "./unsupported-in-pg-version.js";
import unusedIgnore from "./unused-ignore.js";

/** Every rule, in documentation order. A meta test checks each file in rules/ is listed here. */
export const rules: readonly Rule[] = [
  addingRequiredField,
  addingFieldWithDefault,
  addingAutoIncrementColumn,
  addingStoredGeneratedColumn,
  addingNotNullableField,
  changingColumnType,
  requireConcurrentIndexCreation,
  requireConcurrentIndexDeletion,
  requireConcurrentReindex,
  banConcurrentIndexCreationInTransaction,
  banNonTransactionalInTransaction,
  constraintMissingNotValid,
  disallowedUniqueConstraint,
  addingSerialPrimaryKeyField,
  addingExclusionConstraint,
  renamingColumn,
  renamingTable,
  banDropColumn,
  banDropTable,
  banDropNotNull,
  banTruncateCascade,
  banDropDatabase,
  requireBatchedBackfill,
  mixingSchemaAndDataChanges,
  requireTimeoutSettings,
  requireStatementTimeout,
  preferRepack,
  banSetTablespace,
  banSetLoggedUnlogged,
  requireConcurrentRefresh,
  requirePartitionCheckBeforeAttach,
  requireConcurrentPartitionDetach,
  banEnumAddValueInTransaction,
  transactionNesting,
  banUncommittedTransaction,
  preferRobustStmts,
  banCreateDomainWithConstraint,
  banAlterDomainWithAddConstraint,
  preferBigintOverInt,
  preferBigintOverSmallint,
  preferIdentity,
  preferTextField,
  preferTimestamptz,
  banCharField,
  preferJsonb,
  identifierTooLong,
  banDuplicateColumnAssignments,
  unsupportedInPgVersion,
  unusedIgnore,
];

/** The rule with this id (or alias). */
export function ruleById(id: string): Rule | undefined {
  return rules.find((r) => r.id === id || r.aliases?.includes(id));
}
