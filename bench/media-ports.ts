/**
 * Port ranges of the media bench, apart so that its packet capture can tell the directions
 * apart by port alone: the gateway's RTP (bench/media-gateway.ts) comes from
 * {@link MEDIA_RTP_PORTS} and goes to the generator's sockets, bound in
 * {@link GENERATOR_RTP_PORTS} (the OS's ephemeral ports could fall in the gateway's range).
 */
export const MEDIA_RTP_PORTS = { min: 34000, max: 39999 } as const;

/** The load generator's RTP sockets (bench/media.bench.ts). */
export const GENERATOR_RTP_PORTS = { min: 44000, max: 47999 } as const;

/** The capture filter for the gateway's RTP towards the generator (and its RTCP, dropped later). */
export const GATEWAY_RTP_FILTER = `udp and src portrange ${MEDIA_RTP_PORTS.min}-${MEDIA_RTP_PORTS.max} and dst portrange ${GENERATOR_RTP_PORTS.min}-${GENERATOR_RTP_PORTS.max}`;
