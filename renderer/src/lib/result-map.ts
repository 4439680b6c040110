/**
 * A result's anomaly map as the Review view draws it: the values decoded by the main process (`results.map`, which
 * reads the demo's exact `.f16` maps as well as display PNGs) and the colour scale to draw them on.
 */
import { client } from './client';
import { decodeFloat32Base64, mapRange, type MapSource } from './map-values';

export type { HeatValues, MapSource } from './map-values';

/** The map of one result, loaded through the contract. */
export function resultMapSource(resultId: number, reject: number | null | undefined): MapSource {
  return {
    key: `result-${resultId}-${reject ?? 'own'}`,
    async load() {
      const map = await client.call('results.map', { resultId });
      const data = decodeFloat32Base64(map.valuesBase64);
      if (data.length !== map.width * map.height) throw new Error(`the anomaly map of result ${resultId} has ${data.length} values for ${map.width}×${map.height}`);
      return { width: map.width, height: map.height, data, range: mapRange(map, data, reject) };
    },
  };
}
