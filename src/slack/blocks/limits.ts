/** Slack's Block Kit limits the builders respect. */
export const LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  headerText: 150,
  buttonValue: 2000,
  contextElements: 10,
  /** Slack's cap on a plain-text input in a modal */
  textInput: 3000,
  /** what we keep for a statement's SQL in the message */
  statementSql: 400,
} as const;
