// What the signed-in person's role lets them do, to decide which controls to show. The server decides
// (auth/policy.py); this only keeps people from meeting buttons that would be refused.
const NEGOTIATORS = new Set(['delegate', 'head', 'ppt'])
const SPEAKERS = new Set(['head', 'ppt'])

export const canEdit = (me) => NEGOTIATORS.has(me.role)
export const canComment = (me, observersMayComment) => NEGOTIATORS.has(me.role) || (me.role === 'observer' && observersMayComment)
export const canDraftPosition = (me) => NEGOTIATORS.has(me.role) && Boolean(me.delegation)
export const canSubmitPosition = (me) => SPEAKERS.has(me.role) && Boolean(me.delegation)
export const canBreakSilence = (me) => SPEAKERS.has(me.role)
export const isChair = (me) => me.role === 'ppt'
export const isObserver = (me) => me.role === 'observer'
// The Secretariat keeps the register (negotiations, documents, delegations); users also the administrator.
export const keepsRegister = (me) => me.role === 'secretariat'
export const managesUsers = (me) => me.role === 'secretariat' || me.role === 'admin'
