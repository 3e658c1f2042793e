// A validator for the subset of JSON Schema that schema/aggregate-report.v1.schema.json
// uses: type, const, enum, minimum, maximum, pattern, required, properties,
// additionalProperties, $ref to "#/$defs/..." and oneOf. It reads the schema file
// itself, so the audit checks reports against the document the collector
// publishes.

import { readFileSync } from "node:fs";

export function loadSchema(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

function typeMatches(type, value) {
  switch (type) {
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "string":
      return typeof value === "string";
    case "null":
      return value === null;
    default:
      throw new Error(`the validator does not support type ${type}`);
  }
}

// Returns the list of violations of `schema` by `value`; empty when it is valid.
export function validate(schema, value, root = schema, path = "$") {
  if (schema.$ref) {
    const name = schema.$ref.replace("#/$defs/", "");
    return validate(root.$defs[name], value, root, path);
  }
  if (schema.oneOf) {
    const matching = schema.oneOf.filter((option) => validate(option, value, root, path).length === 0);
    return matching.length === 1 ? [] : [`${path}: matches ${matching.length} of the oneOf options`];
  }
  const errors = [];
  if (schema.type && !typeMatches(schema.type, value)) {
    return [`${path}: expected ${schema.type}, got ${JSON.stringify(value)}`];
  }
  if ("const" in schema && value !== schema.const) {
    errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  }
  if (schema.enum && !schema.enum.includes(value)) {
    errors.push(`${path}: expected one of ${JSON.stringify(schema.enum)}`);
  }
  if (schema.minimum !== undefined && !(value >= schema.minimum)) {
    errors.push(`${path}: below ${schema.minimum}`);
  }
  if (schema.maximum !== undefined && !(value <= schema.maximum)) {
    errors.push(`${path}: above ${schema.maximum}`);
  }
  if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
    errors.push(`${path}: does not match ${schema.pattern}`);
  }
  if (schema.type === "object") {
    for (const key of schema.required ?? []) {
      if (!(key in value)) {
        errors.push(`${path}: missing ${key}`);
      }
    }
    for (const [key, child] of Object.entries(value)) {
      const childSchema = schema.properties?.[key];
      if (childSchema) {
        errors.push(...validate(childSchema, child, root, `${path}.${key}`));
      } else if (schema.additionalProperties === false) {
        errors.push(`${path}: unexpected field ${key}`);
      }
    }
  }
  return errors;
}
