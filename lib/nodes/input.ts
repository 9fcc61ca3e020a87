import type { NodeInput } from './queries';

/** A node with its required columns; every optional one defaults to NULL (is_active to true). */
export function nodeInput(fields: Pick<NodeInput, 'nodeId' | 'nodeName' | 'country' | 'region'> & Partial<NodeInput>): NodeInput {
  return {
    displayName: null,
    city: null,
    latitude: null,
    longitude: null,
    isActive: true,
    probeVersion: null,
    hardwareInfo: null,
    tags: null,
    ...fields,
  };
}
