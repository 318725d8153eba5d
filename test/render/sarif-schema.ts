import { z } from "zod";

/**
 * The parts of the SARIF 2.1.0 JSON schema (sarif-schema-2.1.0.json, OASIS) that GitHub code
 * scanning reads, written out faithfully: required properties, enums, minimums and the
 * "additional properties" of each object we emit. Strict objects catch misspelt property names.
 */
const message = z.strictObject({ text: z.string().min(1), markdown: z.string().optional() });
const multiformatMessage = z.strictObject({ text: z.string(), markdown: z.string().optional() });

const reportingConfiguration = z.strictObject({
  enabled: z.boolean().optional(),
  level: z.enum(["none", "note", "warning", "error"]).optional(),
  rank: z.number().min(-1).max(100).optional(),
});

const reportingDescriptor = z.strictObject({
  id: z.string().min(1),
  name: z.string().optional(),
  shortDescription: multiformatMessage.optional(),
  fullDescription: multiformatMessage.optional(),
  help: multiformatMessage.optional(),
  helpUri: z.url().optional(),
  defaultConfiguration: reportingConfiguration.optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});

const region = z
  .strictObject({
    startLine: z.int().min(1),
    startColumn: z.int().min(1),
    endLine: z.int().min(1).optional(),
    endColumn: z.int().min(1).optional(),
  });

const artifactLocation = z.strictObject({
  // format: uri-reference
  uri: z.string().min(1).refine((u) => !/\s|\\/.test(u), "must be a URI reference (no spaces or backslashes)"),
  uriBaseId: z.string().optional(),
});

const location = z.strictObject({
  physicalLocation: z.strictObject({ artifactLocation, region }),
});

const suppression = z.strictObject({
  kind: z.enum(["inSource", "external"]),
  status: z.enum(["accepted", "underReview", "rejected"]).optional(),
  justification: z.string().optional(),
});

const result = z.strictObject({
  ruleId: z.string().min(1),
  ruleIndex: z.int().min(-1).optional(),
  level: z.enum(["none", "note", "warning", "error"]),
  message,
  locations: z.array(location).min(1),
  suppressions: z.array(suppression).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});

export const sarifLog = z.strictObject({
  $schema: z.url(),
  version: z.literal("2.1.0"),
  runs: z
    .array(
      z.strictObject({
        tool: z.strictObject({
          driver: z.strictObject({
            name: z.string().min(1),
            version: z.string().optional(),
            semanticVersion: z.string().optional(),
            informationUri: z.url().optional(),
            rules: z.array(reportingDescriptor),
          }),
        }),
        artifacts: z.array(z.strictObject({ location: artifactLocation, properties: z.record(z.string(), z.unknown()).optional() })).optional(),
        results: z.array(result),
        columnKind: z.enum(["utf16CodeUnits", "unicodeCodePoints"]).optional(),
      }),
    )
    .min(1),
});
export type SarifLog = z.infer<typeof sarifLog>;

/** Cross-field rules of the spec: ruleIndex points at the rule with that id; ids are unique. */
export function sarifProblems(log: SarifLog): string[] {
  const problems: string[] = [];
  for (const run of log.runs) {
    const rules = run.tool.driver.rules;
    const ids = rules.map((r) => r.id);
    if (new Set(ids).size !== ids.length) problems.push("duplicate rule ids in tool.driver.rules");
    for (const r of run.results) {
      if (r.ruleIndex !== undefined && rules[r.ruleIndex]?.id !== r.ruleId) problems.push(`result ${r.ruleId}: ruleIndex ${r.ruleIndex} names another rule`);
    }
  }
  return problems;
}
