// Package nurture is the email nurture sequence engine: it decides, for one
// lead at a time, what is due — send step N now, wait until a time (a wait
// step, the lead's send window, the frequency cap), hand off to sales, or
// leave the sequence.
//
// Marketing writes the sequences in YAML (see default.yaml): steps that
// send a template, wait, branch on what the lead did (opened, clicked,
// score, grade, pages visited), hand off to sales or exit. Parse validates
// the whole file and reports every problem as "file:line: message", so
// "leadflow check-sequences" catches a broken edit before it ships.
//
// The engine is pure and deterministic, because the scheduler calls it
// inside an exactly-once claim/send/commit protocol: every piece of state
// lives in lead.Nurture on the lead, and time only comes in as now. Enrol
// puts a lead into its first matching sequence, Plan says what is due
// without changing anything, Apply records what the scheduler did, and
// Render produces the email. The package imports no AWS code.
//
// Rules that keep enrolled leads safe when marketing edits a sequence:
// leads remember their step by its id (an inserted step does not move
// them), fall back to its position when the id is gone (a deleted step
// does not strand them or restart them), pick up after their last email
// when an email they never got now lies between it and their step on a
// straight run of sends and waits (moved or inserted there), and leave with
// "sequence_removed" when their whole sequence is gone — unless a
// sequence lists its id in replaces (a renamed sequence): then they are
// in that sequence, at their step, with what they got under the old id
// (sends, claims, having finished it) counting as got. Sequences only
// branch forward, so every step runs at most once per lead and a lead
// never re-enters a sequence it left: (lead, sequence, step) identifies a
// send uniquely, which is what the scheduler's send marker needs.
package nurture
