package yamlconf

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// FileStem is a config file's name without its .yaml or .yml extension
// (q4-demo.yaml → q4-demo), and whether it has one: the id a file of a
// config folder must hold.
func FileStem(filename string) (string, bool) {
	base := filepath.Base(filename)
	for _, ext := range []string{".yaml", ".yml"} {
		if stem, ok := strings.CutSuffix(base, ext); ok && stem != "" {
			return stem, true
		}
	}
	return "", false
}

// Files are the names of the config files (*.yaml, *.yml) in dir, in
// name order, the order their problems are reported in.
func Files(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if _, ok := FileStem(e.Name()); ok && !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// Document decodes one config file's root node for p, recording a
// syntax error or, for an empty file, empty (what the file should hold)
// at line 1. A nil root means p has the problem.
func (p *Parser) Document(data []byte, empty string) *yaml.Node {
	root, err := Decode(data)
	if err != nil {
		p.SyntaxError(err, data)
		return nil
	}
	if root == nil {
		p.Errf(&yaml.Node{Line: 1}, "%s", empty)
	}
	return root
}
