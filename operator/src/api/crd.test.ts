import { z } from 'zod';
import {
  BrokerClusterSpecSchema,
  NameServerClusterSpecSchema,
  crdManifests,
  openApiSchema,
  quantity,
  toStructural,
  type JsonSchema,
} from './index';
import { crdReference } from './reference';

type Node = JsonSchema & { properties?: Record<string, Node>; items?: Node; additionalProperties?: Node };

function schemaOf(kind: string): Node {
  const crd = crdManifests().find((c) => c.spec.names.kind === kind);
  if (!crd) throw new Error(`no CRD for ${kind}`);
  return crd.spec.versions[0]?.schema?.openAPIV3Schema as unknown as Node;
}

function at(node: Node, path: string): Node {
  let current = node;
  for (const part of path.split('.')) {
    const next =
      part === '[]'
        ? current.items
        : part === '*'
          ? current.additionalProperties
          : current.properties?.[part];
    if (!next) throw new Error(`no ${part} in ${path}`);
    current = next;
  }
  return current;
}

/** Every node of a schema with its path, for structural checks. */
function nodes(node: Node, path = '$', out: [string, Node][] = []): [string, Node][] {
  out.push([path, node]);
  for (const [name, sub] of Object.entries(node.properties ?? {})) nodes(sub, `${path}.${name}`, out);
  if (node.items) nodes(node.items, `${path}[]`, out);
  if (node.additionalProperties) nodes(node.additionalProperties, `${path}.*`, out);
  return out;
}

describe('CRD manifests', () => {
  it('describes every kind with group, names, short names, category and subresources', () => {
    const crds = crdManifests();
    expect(crds.map((c) => c.metadata?.name)).toEqual([
      'nameserverclusters.skyrocket.dev',
      'brokerclusters.skyrocket.dev',
      'topics.skyrocket.dev',
      'consumergroups.skyrocket.dev',
    ]);
    const topic = crds[2]!;
    expect(topic.spec.names).toMatchObject({ kind: 'Topic', plural: 'topics', shortNames: ['rmqtopic'] });
    // No scale subresource: a Topic has nothing to scale.
    expect(topic.spec.versions[0]!.subresources).toEqual({ status: {} });
    expect(crds[3]!.spec.names).toMatchObject({ kind: 'ConsumerGroup', shortNames: ['rmqgroup'] });
    const bc = crds[1]!;
    expect(bc.spec.group).toBe('skyrocket.dev');
    expect(bc.spec.scope).toBe('Namespaced');
    expect(bc.spec.names).toEqual({
      kind: 'BrokerCluster',
      listKind: 'BrokerClusterList',
      plural: 'brokerclusters',
      singular: 'brokercluster',
      shortNames: ['bc'],
      categories: ['skyrocket'],
    });
    expect(crds[0]!.spec.names.shortNames).toEqual(['nsc']);
    const version = bc.spec.versions[0]!;
    expect(version.name).toBe('v1alpha1');
    expect(version.subresources).toEqual({
      status: {},
      scale: {
        specReplicasPath: '.spec.groups',
        statusReplicasPath: '.status.groups',
        labelSelectorPath: '.status.selector',
      },
    });
    expect(version.additionalPrinterColumns?.map((c) => [c.name, c.jsonPath])).toEqual([
      ['Ready', '.status.conditions[?(@.type=="Ready")].status'],
      ['Desired', '.spec.groups'],
      ['Groups', '.status.groups'],
      ['Groups-Ready', '.status.groupsReady'],
      ['Replicas-Per-Group', '.spec.replicasPerGroup'],
      ['Reason', '.status.conditions[?(@.type=="Ready")].reason'],
      ['Age', '.metadata.creationTimestamp'],
    ]);
  });

  it.each(['NameServerCluster', 'BrokerCluster'])('%s has a structural schema with descriptions', (kind) => {
    for (const [path, node] of nodes(schemaOf(kind))) {
      expect({ path, ref: node.$ref, oneOf: node.oneOf, allOf: node.allOf, not: node.not }).toEqual({ path });
      if (node.anyOf) {
        expect({ path, anyOf: node.anyOf, intOrString: node['x-kubernetes-int-or-string'] }).toEqual({
          path,
          anyOf: [{ type: 'integer' }, { type: 'string' }],
          intOrString: true,
        });
      } else if (node['x-kubernetes-preserve-unknown-fields'] !== true) {
        expect({ path, type: typeof node.type }).toEqual({ path, type: 'string' });
      }
      expect({ path, additionalProperties: node.additionalProperties }).not.toEqual({
        path,
        additionalProperties: false,
      });
      // Every field a user sets or reads has a description for `kubectl explain` (map values and list items aside).
      const isFieldOfObject = /\.[A-Za-z]+$/.test(path) && !path.startsWith('$.metadata');
      if (isFieldOfObject && path !== '$.apiVersion' && path !== '$.kind') {
        expect({ path, hasDescription: typeof node.description === 'string' }).toEqual({
          path,
          hasDescription: true,
        });
      }
    }
  });

  it('carries the CEL rules, defaults, bounds and list types of the BrokerCluster spec', () => {
    const root = schemaOf('BrokerCluster');
    expect(root['x-kubernetes-validations']).toEqual([
      {
        rule: "self.metadata.name.size() <= 40 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
        message: expect.stringContaining('metadata.name must be a DNS label of at most 40 characters'),
      },
    ]);
    const spec = at(root, 'spec');
    expect(spec['x-kubernetes-validations']).toContainEqual({
      rule: 'has(self.nameServerRef) != has(self.nameServerAddresses)',
      message: 'set exactly one of nameServerRef and nameServerAddresses',
    });
    expect(at(spec, 'groups')).toMatchObject({ type: 'integer', minimum: 0, maximum: 128, default: 1 });
    expect(at(spec, 'replicasPerGroup')).toMatchObject({
      type: 'integer',
      minimum: 1,
      default: 2,
      'x-kubernetes-validations': [
        { rule: 'self == oldSelf', message: 'replicasPerGroup is immutable', reason: 'FieldValueForbidden' },
      ],
    });
    expect(at(spec, 'storage.size')).toMatchObject({
      'x-kubernetes-int-or-string': true,
      default: '10Gi',
      anyOf: [{ type: 'integer' }, { type: 'string' }],
    });
    expect(at(spec, 'storage.size').type).toBeUndefined();
    expect(at(spec, 'storage')['x-kubernetes-validations']).toEqual([
      expect.objectContaining({
        rule: 'quantity(string(self.size)).compareTo(quantity(string(oldSelf.size))) >= 0',
        message: 'storage.size may grow but never shrink',
      }),
      expect.objectContaining({ message: 'storage.storageClassName is immutable' }),
    ]);
    expect(at(spec, 'storage.reclaimPolicy')).toMatchObject({
      enum: ['Retain', 'Delete'],
      default: 'Retain',
    });
    expect(at(spec, 'flushDiskType').enum).toEqual(['ASYNC_FLUSH', 'SYNC_FLUSH']);
    expect(at(spec, 'antiAffinity')).toMatchObject({ enum: ['preferred', 'required'], default: 'preferred' });
    expect(at(spec, 'pod.affinity')).toMatchObject({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(at(spec, 'resources.limits.*')['x-kubernetes-int-or-string']).toBe(true);
    expect(at(root, 'status.conditions')).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    });
    expect(at(root, 'status.conditions.[]').required).toEqual([
      'type',
      'status',
      'lastTransitionTime',
      'reason',
      'message',
    ]);
  });

  it('uses the int-or-string form for quantities and refuses what a CRD cannot express', () => {
    expect(openApiSchema(z.object({ q: quantity() }))).toMatchObject({
      properties: {
        q: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
      },
    });
    expect(() => openApiSchema(z.object({ u: z.union([z.string(), z.boolean()]) }))).toThrow(
      '$.u: anyOf is not structural',
    );
    expect(() => toStructural({ $ref: '#/x' })).toThrow('$ref is not allowed');
    expect(() => toStructural({ properties: {} })).toThrow('$: no type');
    expect(toStructural({ type: 'object', additionalProperties: false, $schema: 'x' })).toEqual({
      type: 'object',
    });
  });
});

describe('zod schemas', () => {
  it('fill in the same defaults the apiserver does', () => {
    expect(BrokerClusterSpecSchema.parse({ nameServerRef: { name: 'ns' } })).toEqual({
      nameServerRef: { name: 'ns' },
      groups: 1,
      replicasPerGroup: 2,
      storage: { size: '10Gi', reclaimPolicy: 'Retain' },
      flushDiskType: 'ASYNC_FLUSH',
      replicationMode: 'ASYNC',
      ports: { remoting: 10911, ha: 10912, http: 8081 },
      antiAffinity: 'preferred',
    });
    expect(NameServerClusterSpecSchema.parse({})).toEqual({
      replicas: 2,
      ports: { remoting: 9876, http: 8080 },
    });
  });

  it('reject bad values with the field named', () => {
    const result = BrokerClusterSpecSchema.safeParse({
      nameServerRef: { name: 'ns' },
      groups: -1,
      flushDiskType: 'X',
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['groups', 'flushDiskType']);
  });
});

describe('cross-field rules in the operator', () => {
  it('refuse in zod what the CEL rules refuse in the apiserver', () => {
    const issues = (spec: unknown) =>
      BrokerClusterSpecSchema.safeParse(spec).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ nameServerRef: { name: 'ns' }, nameServerAddresses: 'a:1' })).toEqual([
      ': set exactly one of nameServerRef and nameServerAddresses',
    ]);
    expect(issues({})).toEqual([': set exactly one of nameServerRef and nameServerAddresses']);
    expect(issues({ nameServerAddresses: 'a:1', replicationMode: 'SYNC', replicasPerGroup: 1 })).toEqual([
      'replicationMode: replicationMode SYNC needs a slave: set replicasPerGroup to 2 or more',
    ]);
    expect(issues({ nameServerAddresses: 'a:1;b:2', replicationMode: 'SYNC' })).toBeUndefined();
    const portClash =
      'ports: ports.remoting, ports.remoting - 2 (the VIP channel the broker also serves), ports.ha and ports.http must all differ, and ports.remoting must be at least 3';
    for (const ports of [
      { remoting: 10911, ha: 10909, http: 8081 }, // HA on the VIP channel
      { remoting: 10911, ha: 10912, http: 10912 },
      { remoting: 8081, ha: 10912, http: 8081 },
      { remoting: 2, ha: 10912, http: 8081 },
    ]) {
      expect(issues({ nameServerAddresses: 'a:1', ports })).toEqual([portClash]);
    }
    expect(
      issues({ nameServerAddresses: 'a:1', ports: { remoting: 20911, ha: 20912, http: 20913 } }),
    ).toBeUndefined();
  });
});

describe('docs/crds.md', () => {
  it('lists every spec field with its description, default and rules', () => {
    const text = crdReference(crdManifests());
    expect(text).toContain('## BrokerCluster');
    expect(text).toContain('| `spec.groups` | integer | `1` | Number of broker groups');
    expect(text).toContain('| `spec.storage.size` | quantity | `"10Gi"` |');
    expect(text).toContain('Rule: replicasPerGroup is immutable.');
    expect(text).toContain('- Scale subresource: `kubectl scale` sets `.spec.groups`');
  });
});
