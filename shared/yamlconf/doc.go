// Package yamlconf is the plumbing shared by leadflow's YAML config files
// (qualify.yaml, sequences.yaml): it walks a yaml.v3 node tree by hand,
// keeps a line number for every message, rejects unknown and duplicate
// keys with a "did you mean" hint, reads scalars (text, numbers, booleans,
// durations) and collects every problem into one ConfigError that prints
// as "file:line: message", one per line.
//
// Walking nodes instead of decoding into structs is what makes the
// messages precise and complete: a marketer who breaks three things in an
// edit sees all three, each with its line. What a config means stays in
// its own package; this one knows nothing about leads.
package yamlconf
