import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";

export function sha256Hex(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Flyway's checksum of an SQL migration: CRC32 over the UTF-8 bytes of each line, line endings
 * excluded (Java's BufferedReader.readLine: \n, \r\n and \r all end a line), a leading BOM removed,
 * stored as a signed 32-bit integer.
 */
export function flywayChecksum(bytes: Buffer): number {
  let text = bytes.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let crc = 0;
  for (const line of text.split(/\r\n|\r|\n/)) crc = crc32(Buffer.from(line, "utf8"), crc);
  return crc | 0;
}

/** Prisma accepts a file whose line endings were converted (LF <-> CRLF) as unchanged. */
export function prismaChecksums(bytes: Buffer): string[] {
  const text = bytes.toString("utf8");
  const lf = text.replace(/\r\n/g, "\n");
  return [...new Set([sha256Hex(bytes), sha256Hex(lf), sha256Hex(lf.replace(/\n/g, "\r\n"))])];
}
