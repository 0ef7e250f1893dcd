package specs

import (
	"strings"

	"github.com/hotpass/hotpass/internal/redact"
	"gopkg.in/yaml.v3"
)

// credentialValues returns the secrets an options tree states outright:
// the passwords inside `dsn:` connection strings and the values of
// `password:` / `sslpassword:` options, at any depth. They are masked like
// values read from the environment, so that a DSN written with a literal
// password leaks through no log or record that quotes it, whatever the
// form of the message.
func credentialValues(n *yaml.Node) []string {
	var out []string
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		n = deref(n)
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], deref(n.Content[i+1])
				if v.Kind == yaml.ScalarNode && v.Value != "" {
					switch strings.ToLower(k.Value) {
					case "dsn":
						out = append(out, redact.DSNPasswords(v.Value)...)
					case "password", "sslpassword":
						out = append(out, v.Value)
					}
				}
				walk(v)
			}
		case yaml.SequenceNode, yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c)
			}
		}
	}
	walk(n)
	return out
}
