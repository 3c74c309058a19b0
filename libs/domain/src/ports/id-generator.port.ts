/** New unique identifiers (UUIDs in production). */
export interface IdGenerator {
  newId(): string;
}
