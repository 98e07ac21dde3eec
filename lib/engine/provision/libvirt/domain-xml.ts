import { DOMParser, type Element } from '@xmldom/xmldom';

/** Reservations live in the domain's <metadata>, one element per holder, in the namespace `${reservationNamespace}${holder}`. */
export const reservationNamespace = 'urn:testyard:reservation:';

export interface Reservation {
  holder: string;
  /** Who holds it for what, e.g. the run platform's id: found again after a worker crash. */
  owner: string;
  /** Epoch milliseconds after which the reservation is void (its holder stopped renewing it). */
  expiresAt: number;
}

export interface DomainDescription {
  name: string;
  /** Every Testyard reservation, in document order (libvirt keeps the order it was written in). */
  reservations: Reservation[];
  /** Disks backed by a storage volume. */
  volumes: Array<{ pool: string; volume: string }>;
}

/** Reads what the provisioner needs from `virsh dumpxml --inactive`. */
export function parseDomainXml(xml: string): DomainDescription {
  const document = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`domain XML: ${message}`);
    },
  }).parseFromString(xml, 'text/xml');
  const root = document.documentElement;
  if (!root || root.tagName !== 'domain') throw new Error('domain XML: no <domain> element');
  const name = childElements(root, 'name')[0]?.textContent?.trim() ?? '';
  const reservations: Reservation[] = [];
  for (const metadata of childElements(root, 'metadata')) {
    for (const element of childElements(metadata)) {
      const namespace = element.namespaceURI ?? '';
      if (!namespace.startsWith(reservationNamespace)) continue;
      reservations.push({
        holder: namespace.slice(reservationNamespace.length),
        owner: element.getAttribute('owner') ?? '',
        expiresAt: Number(element.getAttribute('expires') ?? 0) || 0,
      });
    }
  }
  const volumes: DomainDescription['volumes'] = [];
  for (const devices of childElements(root, 'devices')) {
    for (const disk of childElements(devices, 'disk')) {
      if (disk.getAttribute('type') !== 'volume') continue;
      const source = childElements(disk, 'source')[0];
      const pool = source?.getAttribute('pool');
      const volume = source?.getAttribute('volume');
      if (pool && volume) volumes.push({ pool, volume });
    }
  }
  return { name, reservations, volumes };
}

function childElements(parent: Element, localName?: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType !== node.ELEMENT_NODE) continue;
    const element = node as Element;
    if (localName === undefined || element.localName === localName) found.push(element);
  }
  return found;
}
