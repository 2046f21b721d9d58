package admin

import (
	"fmt"
	"mime"
	"net/http"

	"gopkg.in/yaml.v3"

	"github.com/caddy-bbb/caddy-bbb/pool"
)

// yamlTypes are the media types a YAML servers document may come as; none
// is registered, and tools send each of them.
var yamlTypes = map[string]bool{
	"application/yaml": true, "application/x-yaml": true, "text/yaml": true, "text/x-yaml": true,
}

// syncServers answers PUT /bbb/servers: the pool is made to match the
// servers document in the body (Scalelite's servers:sync format), in YAML or
// JSON by its Content-Type, YAML when none is given. ?mode=keep|cordon|force
// (default cordon) says what happens to servers the document does not list;
// ?dry_run=true reports without changing anything. The answer is the report.
func syncServers(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	q := r.URL.Query()
	mode, err := pool.ParseSyncMode(q.Get("mode"))
	if err != nil {
		return poolError(err)
	}
	dryRun, err := queryBool(r, "dry_run")
	if err != nil {
		return err
	}
	parse := pool.ParseSyncYAML
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		switch {
		case err == nil && mt == "application/json":
			parse = pool.ParseSyncJSON
		case err == nil && yamlTypes[mt]:
		default:
			return apiErrorf(http.StatusUnsupportedMediaType, "unsupported content type %q: want application/yaml or application/json", ct)
		}
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	doc, err := parse(body)
	if err != nil {
		return poolError(err)
	}
	report, err := p.Sync(r.Context(), doc, mode, dryRun)
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, report)
}

// exportServers answers GET /bbb/servers?format=yaml with the pool as a
// servers document; PUT back, it changes nothing.
func exportServers(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	doc, err := p.Export(r.Context())
	if err != nil {
		return poolError(err)
	}
	body, err := yaml.Marshal(doc)
	if err != nil {
		return apiError(http.StatusInternalServerError, fmt.Errorf("encode servers document: %w", err))
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(body)
	return err
}
