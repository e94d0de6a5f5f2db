// Package campaign reads marketing's campaign files and renders what a
// campaign shows to visitors.
//
// A campaign is one hypothesis marketing wants to test ("ops leaders at
// 200–2000 companies want faster lead routing"), written as a YAML file in
// config/campaigns/ with no developer involved: its A/B variants (headline,
// offer, call to action, weight), its form (standard lead fields,
// qualifying questions, consent text) and optionally its spend, for cost
// per SAL in reports. Parse validates one file and reports every problem
// as "file:line: message"; LoadDir reads a whole directory into a Set.
//
// From a campaign the package renders the hosted landing page (RenderPage,
// also framed for the embed), its thank-you page (RenderThanks, from the
// file's thank_you section or a default) and the snippets to paste into a
// site: an iframe of the framed page, which serves the A/B split
// (EmbedFrame), or one variant's form as static HTML (Snippet,
// VariantSnippet). All plain HTML5 that works without JavaScript, external
// CSS, fonts or images; forms post to the capture API's /leads. Every name such a form posts is one the capture API accepts and
// every value the config puts in it passes lead validation — the tests
// check that for any config Parse accepts — so a marketer's edit can never
// produce a form whose leads are refused.
//
// PickVariant assigns a visitor a variant deterministically from a seed
// (the page view's idempotency token), so a reload or a re-post shows the
// same offer. The package is pure: no AWS, no clock, no randomness.
package campaign
