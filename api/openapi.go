package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/skingraph/skingraph/graph"
)

// openAPISource is the hand-written OpenAPI 3.1 description of every route;
// TestOpenAPICoversRoutes keeps it in step with the router. What is served (openAPISpec) is
// it completed by completeSpec: the vocabularies' names and the admission layer's answers come
// from the code that applies them, so the document cannot disagree with the server there.
//
//go:embed openapi.json
var openAPISource []byte

// openAPISpec is the document served at /openapi.json.
var openAPISpec = mustCompleteSpec(openAPISource)

// openAPIHandler serves the spec.
func openAPIHandler(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json", openAPISpec)
}

// spec is the part of the OpenAPI document the docs page shows.
type spec struct {
	Info struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Description string `json:"description"`
	} `json:"info"`
	Paths      map[string]map[string]operation `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

type operation struct {
	OperationID string `json:"operationId"`
	Summary     string `json:"summary"`
	Description string `json:"description"`
	Tags        []string
	Parameters  []struct {
		Name        string          `json:"name"`
		In          string          `json:"in"`
		Required    bool            `json:"required"`
		Description string          `json:"description"`
		Schema      json.RawMessage `json:"schema"`
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Description string `json:"description"`
		Content     map[string]struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

// parseSpec reads the embedded document.
func parseSpec() (*spec, error) {
	var s spec
	if err := json.Unmarshal(openAPISpec, &s); err != nil {
		return nil, fmt.Errorf("api: parse openapi.json: %w", err)
	}
	return &s, nil
}

// docsView is what the docs template renders: operations in path order.
type docsView struct {
	Title, Version, Description string
	Ops                         []docsOp
	Schemas                     []docsSchema
}

type docsOp struct {
	Method, Path, ID string
	Op               operation
}

type docsSchema struct {
	Name string
	JSON string
}

var (
	docsOnce sync.Once
	docsHTML []byte
	docsErr  error
)

// docsHandler serves /docs: the spec rendered on the server as one self-contained HTML page
// (no scripts, nothing fetched from elsewhere).
func docsHandler(c *gin.Context) error {
	docsOnce.Do(func() { docsHTML, docsErr = renderDocs() })
	if docsErr != nil {
		return docsErr
	}
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "text/html; charset=utf-8", docsHTML)
	return nil
}

func renderDocs() ([]byte, error) {
	s, err := parseSpec()
	if err != nil {
		return nil, err
	}
	v := docsView{Title: s.Info.Title, Version: s.Info.Version, Description: s.Info.Description}
	paths := make([]string, 0, len(s.Paths))
	for p := range s.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		for _, m := range []string{"get", "put", "post", "delete", "patch"} {
			if op, ok := s.Paths[p][m]; ok {
				v.Ops = append(v.Ops, docsOp{Method: strings.ToUpper(m), Path: p, ID: op.OperationID, Op: op})
			}
		}
	}
	names := make([]string, 0, len(s.Components.Schemas))
	for n := range s.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v.Schemas = append(v.Schemas, docsSchema{Name: n, JSON: indentJSON(s.Components.Schemas[n])})
	}
	var b strings.Builder
	if err := docsTemplate.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("api: render docs: %w", err)
	}
	return []byte(b.String()), nil
}

func indentJSON(raw json.RawMessage) string {
	var out strings.Builder
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	enc := json.NewEncoder(&out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(out.String())
}

var docsTemplate = template.Must(template.New("docs").Funcs(template.FuncMap{
	"schema": func(raw json.RawMessage) template.HTML {
		// $ref to a component becomes a link to its section; anything else is shown as JSON.
		var r struct {
			Ref string `json:"$ref"`
		}
		if json.Unmarshal(raw, &r) == nil && strings.HasPrefix(r.Ref, "#/components/schemas/") {
			n := strings.TrimPrefix(r.Ref, "#/components/schemas/")
			return template.HTML(`<a href="#schema-` + template.HTMLEscapeString(n) + `">` + template.HTMLEscapeString(n) + `</a>`)
		}
		return template.HTML("<pre>" + template.HTMLEscapeString(indentJSON(raw)) + "</pre>")
	},
	"lower": strings.ToLower,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} {{.Version}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}
.op{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.6rem 1rem}
.m{display:inline-block;min-width:4rem;font-weight:bold;font-family:monospace}
.get{color:#1565c0}.post{color:#2e7d32}.put{color:#ef6c00}.delete{color:#c62828}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f6f8fa;padding:.5rem;overflow:auto;margin:.2rem 0}
table{border-collapse:collapse;margin:.3rem 0}td,th{border:1px solid #e3e3e3;padding:.2rem .5rem;text-align:left;vertical-align:top}
nav a{display:block;font-family:monospace}
</style></head><body>
<h1>{{.Title}} <small>{{.Version}}</small></h1>
<p>{{.Description}}</p>
<p>The machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<nav>{{range .Ops}}<a href="#op-{{.ID}}"><span class="m {{lower .Method}}">{{.Method}}</span> {{.Path}}</a>{{end}}</nav>
<h2>Operations</h2>
{{range .Ops}}<div class="op" id="op-{{.ID}}">
<div><span class="m {{lower .Method}}">{{.Method}}</span> <code>{{.Path}}</code></div>
<p><b>{{.Op.Summary}}</b>{{if .Op.Description}}<br>{{.Op.Description}}{{end}}</p>
{{if .Op.Parameters}}<table><tr><th>parameter</th><th>in</th><th>required</th><th>description</th></tr>
{{range .Op.Parameters}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{if .Required}}yes{{end}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
{{if .Op.RequestBody}}<p>Request body:</p><table>{{range $ct, $c := .Op.RequestBody.Content}}<tr><td><code>{{$ct}}</code></td><td>{{schema $c.Schema}}</td></tr>{{end}}</table>{{end}}
<p>Responses:</p><table>{{range $code, $r := .Op.Responses}}<tr><td><b>{{$code}}</b></td><td>{{$r.Description}}{{range $ct, $c := $r.Content}}<br><code>{{$ct}}</code> {{schema $c.Schema}}{{end}}</td></tr>{{end}}</table>
</div>
{{end}}
<h2>Schemas</h2>
{{range .Schemas}}<h3 id="schema-{{.Name}}">{{.Name}}</h3><pre>{{.JSON}}</pre>
{{end}}
</body></html>
`))

// vocabularies are the closed lists a schema names with "x-vocabulary": completeSpec writes
// their canonical names as the schema's enum.
var vocabularies = map[string]*graph.Vocabulary{
	"skin-type": graph.SkinTypes, "skin-tone": graph.SkinTones, "concern": graph.Concerns,
	"sensitivity": graph.Sensitivities, "category": graph.Categories, "effect": graph.Effects,
	"evidence": graph.Evidence,
}

// admissionAnswers are the statuses the admission layer (server.go: local-only guard, keys,
// body reader, shedding) can give any operation before its handler runs; the names say when
// each applies: "secured" operations need a key, "body" operations take a request body.
var admissionAnswers = []struct {
	status, when, description string
}{
	{"401", "secured", "No key, or a key the server does not know"},
	{"403", "secured", "The key's role may not call this operation; or (keyless mode) a write from a page of another site"},
	{"408", "body", "The body did not arrive within SKINGRAPH_BODY_TIMEOUT"},
	{"413", "body", "Body too large (1 MiB for JSON, 16 MiB for uploads)"},
	{"415", "body", "Unsupported media type (keyless mode: a write must declare application/json, text/csv or application/x-ndjson)"},
	{"421", "all", "Keyless mode: the Host is not a loopback name"},
	{"429", "all", "Rate limited, or the key's share of slots, bodies or streams is in use; see Retry-After"},
	{"503", "all", "A dependency is unavailable, or the server sheds load; see Retry-After"},
}

func mustCompleteSpec(src []byte) []byte {
	out, err := completeSpec(src)
	if err != nil {
		panic(err) // the document is embedded: TestOpenAPICoversRoutes fails first
	}
	return out
}

// completeSpec fills what the code owns into the hand-written document: the enums of
// vocabulary fields ("x-vocabulary": kind) and the admission layer's problem answers on every
// operation that does not describe them itself.
func completeSpec(src []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("api: parse openapi.json: %w", err)
	}
	if err := fillVocabularies(doc); err != nil {
		return nil, err
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		for _, m := range []string{"get", "put", "post", "delete", "patch"} {
			op, ok := ops[m].(map[string]any)
			if !ok {
				continue
			}
			responses, _ := op["responses"].(map[string]any)
			if responses == nil {
				responses = map[string]any{}
				op["responses"] = responses
			}
			sec, hasSec := op["security"].([]any)
			secured := !hasSec || len(sec) > 0
			_, hasBody := op["requestBody"]
			for _, a := range admissionAnswers {
				if _, ok := responses[a.status]; ok || (a.when == "secured" && !secured) || (a.when == "body" && !hasBody) {
					continue
				}
				responses[a.status] = map[string]any{
					"description": a.description,
					"content": map[string]any{"application/problem+json": map[string]any{
						"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}},
				}
			}
		}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("api: encode openapi.json: %w", err)
	}
	return out, nil
}

// fillVocabularies walks the document and sets enum on every schema naming a vocabulary.
func fillVocabularies(v any) error {
	switch v := v.(type) {
	case map[string]any:
		if kind, ok := v["x-vocabulary"].(string); ok {
			voc := vocabularies[kind]
			if voc == nil {
				return fmt.Errorf("api: openapi.json names unknown x-vocabulary %q", kind)
			}
			names := voc.Names()
			enum := make([]any, len(names))
			for i, n := range names {
				enum[i] = n
			}
			v["enum"] = enum
		}
		for _, c := range v {
			if err := fillVocabularies(c); err != nil {
				return err
			}
		}
	case []any:
		for _, c := range v {
			if err := fillVocabularies(c); err != nil {
				return err
			}
		}
	}
	return nil
}
