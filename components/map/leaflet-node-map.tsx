'use client';

import 'leaflet/dist/leaflet.css';
import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { NodeMapController } from '@/components/map/leaflet-controller';
import type { PlottableNode } from '@/components/map/map-node';

export interface LeafletNodeMapProps {
  nodes: PlottableNode[];
  tileUrl?: string;
  tileAttribution?: string;
}

/** Loaded only in the browser (next/dynamic, ssr: false) from node-map.tsx: Leaflet needs `window`. */
export default function LeafletNodeMap({ nodes, tileUrl, tileAttribution }: LeafletNodeMapProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const controllerRef = useRef<NodeMapController | null>(null);
  const nodesRef = useRef(nodes);
  const router = useRouter();
  const routerRef = useRef(router);

  useEffect(() => {
    routerRef.current = router;
    nodesRef.current = nodes;
    controllerRef.current?.setNodes(nodes);
  }, [router, nodes]);

  useEffect(() => {
    const controller = new NodeMapController(containerRef.current!, {
      tileUrl,
      tileAttribution,
      onSelect: (id) => routerRef.current.push(`/nodes/${encodeURIComponent(id)}`),
    });
    controller.setNodes(nodesRef.current);
    controllerRef.current = controller;
    return () => {
      controllerRef.current = null;
      controller.destroy();
    };
  }, [tileUrl, tileAttribution]);

  return <div ref={containerRef} className="node-map-canvas" data-testid="node-map-canvas" />;
}
