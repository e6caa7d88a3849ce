/**
 * STAND-IN for the master half's replication state (branch replmaster owns
 * src/replication's state): the replication id, the previous one and the
 * offsets, as much as a replica link changes them. Replaced at the merge.
 */
import { randomBytes } from 'node:crypto';
import type { ReplicationIds } from './replica';

export function newReplid(): string {
  return randomBytes(20).toString('hex');
}

export class ReplicationIdsStandIn implements ReplicationIds {
  replid = newReplid();
  replid2 = '0'.repeat(40);
  masterReplOffset = 0;
  secondReplOffset = -1;

  onFullResync(replid: string, offset: number): void {
    this.replid = replid;
    this.masterReplOffset = offset;
    this.replid2 = '0'.repeat(40);
    this.secondReplOffset = -1;
  }

  onContinue(newId: string | null): void {
    if (newId === null) return;
    this.replid2 = this.replid;
    this.secondReplOffset = this.masterReplOffset + 1;
    this.replid = newId;
  }

  feedFromMaster(bytes: Buffer): void {
    this.masterReplOffset += bytes.length;
  }

  promote(): void {
    this.replid2 = this.replid;
    this.secondReplOffset = this.masterReplOffset + 1;
    this.replid = newReplid();
  }
}
