import type { V1CustomResourceDefinition } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import type { JsonSchema } from './crd';

/**
 * docs/crds.md: a field reference generated from the same structural schemas the CRDs carry, so the page, the CRDs
 * and `kubectl explain` always say the same thing.
 */
export function crdReference(crds: V1CustomResourceDefinition[]): string {
  const parts: string[] = [];
  for (const crd of crds) {
    const version = crd.spec.versions[0];
    if (!version) continue;
    const root = version.schema?.openAPIV3Schema as unknown as JsonSchema;
    const names = crd.spec.names;
    const props = (root.properties ?? {}) as Record<string, JsonSchema>;
    parts.push(
      `## ${names.kind}\n\n` +
        `\`${crd.spec.group}/${version.name}\`, namespaced; short name ${(names.shortNames ?? []).map((n) => `\`${n}\``).join(', ')}, ` +
        `category \`${(names.categories ?? []).join(', ')}\`. ${String(root.description ?? '')}.\n\n` +
        describeSubresources(version) +
        rulesOf(root, 'Object')
          .map((r) => `- ${r}\n`)
          .join('') +
        '\n### spec\n\n' +
        table(props.spec ?? {}, 'spec') +
        '\n### status\n\n' +
        'Written by the operator through the status subresource.\n\n' +
        table(props.status ?? {}, 'status'),
    );
  }
  return parts.join('\n');
}

function describeSubresources(version: V1CustomResourceDefinition['spec']['versions'][number]): string {
  const lines: string[] = [];
  const scale = version.subresources?.scale;
  if (scale) {
    lines.push(
      `- Scale subresource: \`kubectl scale\` sets \`${scale.specReplicasPath}\`; replicas read from \`${scale.statusReplicasPath}\`, pods selected by \`${scale.labelSelectorPath ?? ''}\`.`,
    );
  }
  const columns = (version.additionalPrinterColumns ?? [])
    .map((c) => `${c.name}${c.priority ? ' (wide)' : ''}`)
    .join(', ');
  lines.push(`- \`kubectl get\` columns: ${columns}.`);
  return lines.map((l) => `${l}\n`).join('');
}

function table(schema: JsonSchema, path: string): string {
  const rows = ['| field | type | default | description |', '|---|---|---|---|'];
  walk(schema, path, rows, true);
  return rows.join('\n') + '\n';
}

function walk(schema: JsonSchema, path: string, rows: string[], root = false): void {
  if (!root) {
    const notes = [String(schema.description ?? ''), ...constraints(schema), ...rulesOf(schema, 'Rule')]
      .filter((s) => s !== '')
      .map(escape);
    const def = schema.default === undefined ? '' : `\`${JSON.stringify(schema.default)}\``;
    rows.push(`| \`${path}\` | ${typeName(schema)} | ${escape(def)} | ${notes.join('<br>')} |`);
  }
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [name, sub] of Object.entries(properties ?? {})) {
    walk(
      required.has(name) ? { ...sub, description: `**Required.** ${String(sub.description ?? '')}` } : sub,
      `${path}.${name}`,
      rows,
    );
  }
  const items = schema.items as JsonSchema | undefined;
  if (items?.properties) walk(items, `${path}[]`, rows, true);
}

function typeName(schema: JsonSchema): string {
  if (schema['x-kubernetes-int-or-string']) return 'quantity';
  if (schema['x-kubernetes-preserve-unknown-fields']) return 'object (core/v1)';
  if (schema.type === 'array') {
    const items = schema.items as JsonSchema;
    return `${items.properties ? 'object' : typeName(items)}[]`;
  }
  if (schema.type === 'object' && schema.additionalProperties) {
    return `map[string]${typeName(schema.additionalProperties as JsonSchema)}`;
  }
  return String(schema.type);
}

function constraints(schema: JsonSchema): string[] {
  const out: string[] = [];
  if (Array.isArray(schema.enum))
    out.push(`One of: ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}.`);
  if (schema.minimum !== undefined && schema.maximum !== undefined) {
    out.push(`Range: ${String(schema.minimum)} to ${String(schema.maximum)}.`);
  } else if (schema.minimum !== undefined) {
    out.push(`At least ${String(schema.minimum)}.`);
  } else if (schema.maximum !== undefined) {
    out.push(`At most ${String(schema.maximum)}.`);
  }
  if (schema.maxItems !== undefined) out.push(`At most ${String(schema.maxItems)} items.`);
  if (schema.maxProperties !== undefined) out.push(`At most ${String(schema.maxProperties)} entries.`);
  return out;
}

function rulesOf(schema: JsonSchema, label: string): string[] {
  const rules = (schema['x-kubernetes-validations'] as { message: string }[] | undefined) ?? [];
  return rules.map((r) => `${label}: ${r.message}.`);
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
