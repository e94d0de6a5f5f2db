package yamlconf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/config"
)

// FileStem is a config file's name without its .yaml or .yml extension
// in any case (q4-demo.yaml → q4-demo, spring.YAML → spring), and whether
// it has one: the id a file of a config folder must hold.
func FileStem(filename string) (string, bool) {
	base := filepath.Base(filename)
	for _, ext := range []string{".yaml", ".yml"} {
		if n := len(base) - len(ext); n > 0 && strings.EqualFold(base[n:], ext) {
			return base[:n], true
		}
	}
	return "", false
}

// ConfiguredDir is the config folder a function reads: dir when its
// configuration names one (then it must exist: LoadFolder says so when it
// does not), else def in the build (under LAMBDA_TASK_ROOT in Lambda); ok
// is false when def is not there either — no files, which is no error.
func ConfiguredDir(dir, def string) (path string, ok bool) {
	explicit := dir != ""
	if !explicit {
		dir = def
	}
	dir = config.InTask(dir)
	if _, err := os.Stat(dir); err != nil && !explicit {
		return "", false
	}
	return dir, true
}

// Files are the names of the config files (*.yaml, *.yml) in dir, in
// name order, the order their problems are reported in. Hidden files are
// not config: what editors and file systems leave beside one (macOS's
// "._q4.yaml", an editor's ".#q4.yaml" lock or ".q4.yaml" swap file).
func Files(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if _, ok := FileStem(e.Name()); ok && !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
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

// LoadFolder reads every config file of dir (Files) with parse, in name
// order, and gathers the problems of all of them — a file that cannot be
// read, its parse problems, an id (id gives it and its line) that an
// earlier file already has — so a broken edit never hides another. A file
// with a problem is left out; the caller returns the problems as one
// *ConfigError of its kind.
func LoadFolder[T any](dir, kind string, parse func(data []byte, path string) (T, error), id func(T) (string, int)) ([]T, []Problem, error) {
	names, err := Files(dir)
	if err != nil {
		return nil, nil, err
	}
	var out []T
	var probs []Problem
	files := map[string]string{} // id → the file that has it
	for _, name := range names {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			probs = append(probs, Problem{File: path, Msg: "cannot read: " + err.Error()})
			continue
		}
		v, err := parse(data, path)
		var ce *ConfigError
		if errors.As(err, &ce) {
			probs = append(probs, ce.Problems...)
			continue
		} else if err != nil {
			return nil, nil, err
		}
		key, line := id(v)
		if other, dup := files[key]; dup {
			probs = append(probs, Problem{File: path, Line: line, Msg: fmt.Sprintf("duplicate %s id %q (also in %s)", kind, key, other)})
			continue
		}
		files[key] = path
		out = append(out, v)
	}
	return out, probs, nil
}
