import { type Identity, isAdmin } from "@supergraph/auth";
import { ForbiddenError, UnauthenticatedError } from "@supergraph/service-kit";

/**
 * Who may do what, decided where the data lives. The router proves who the caller is (the identity
 * in a signed request); these helpers are the rules every subgraph applies to it. `action` ends the
 * sentence "Sign in to …" / "… may …", e.g. `update user "3"`.
 */

/** The caller's identity; UNAUTHENTICATED when there is none (an anonymous caller). */
export function requireIdentity(identity: Identity | null, action: string): Identity {
  if (identity === null) throw new UnauthenticatedError(`Sign in to ${action}.`);
  return identity;
}

/** Whether the caller is the user `ownerId` or an admin (false for anonymous callers). */
export function isOwnerOrAdmin(identity: Identity | null, ownerId: string): boolean {
  return identity !== null && (identity.userId === ownerId || isAdmin(identity));
}

/** An admin's identity; UNAUTHENTICATED without one, FORBIDDEN for anyone else. */
export function requireAdmin(identity: Identity | null, action: string): Identity {
  const caller = requireIdentity(identity, action);
  if (!isAdmin(caller)) throw new ForbiddenError(`Only an admin may ${action}.`);
  return caller;
}

/**
 * The identity of the user `ownerId` or of an admin; UNAUTHENTICATED without one, FORBIDDEN for
 * anyone else. `owner` names the owner in the message, e.g. "the user themselves", "its creator".
 */
export function requireOwnerOrAdmin(
  identity: Identity | null,
  ownerId: string,
  { action, owner }: { action: string; owner: string },
): Identity {
  const caller = requireIdentity(identity, action);
  if (!isOwnerOrAdmin(caller, ownerId)) throw new ForbiddenError(`Only ${owner} or an admin may ${action}.`);
  return caller;
}
