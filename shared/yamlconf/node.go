package yamlconf

import (
	"strconv"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Resolve follows an alias (*name) to the node it stands for.
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// IsNull reports a missing node or an explicit null ("~", nothing).
func IsNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// What names a node's content for a message: a quoted value, "a list".
func What(n *yaml.Node) string {
	switch {
	case IsNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.ScalarNode:
		return Quote(n.Value)
	}
	return "something else"
}

// Quote quotes a value from the file for a message, shortened.
func Quote(s string) string { return strconv.Quote(shorten(s, 60)) }

// At prefixes a message with the path it is about, when there is one:
// At("fit.rules[2]") is "fit.rules[2]: ".
func At(where string) string {
	if where == "" {
		return ""
	}
	return where + ": "
}

// shorten cuts s to about n bytes on a rune boundary, ending in "…".
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
