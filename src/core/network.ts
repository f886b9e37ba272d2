import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * Opens the default port of `target` to `peer`. The ingress rules live with the peer's security groups ("remote"
 * rules), so that a peer in another stack (an application next to a shared database) adds no reference from the
 * target's stack to its own, which would be a cycle.
 */
export function allowDefaultPortFrom(target: ec2.Connections, peer: ec2.IConnectable, description: string): void {
  const port = target.defaultPort;
  if (!port) throw new Error(`${description}: the target has no default port`);
  const peerGroups = peer.connections.securityGroups;
  if (peerGroups.length === 0) {
    // A peer without security groups (e.g. a CIDR): an ordinary rule on the target.
    target.allowFrom(peer, port, description);
    return;
  }
  for (const sg of target.securityGroups) {
    for (const peerSg of peerGroups) {
      sg.addIngressRule(peerSg, port, description, true);
    }
  }
}
