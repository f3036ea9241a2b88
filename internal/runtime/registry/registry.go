// Package registry describes generated APIs and their operations as data, so the pipeline runner
// and the `pipe` command can list them, check parameters and call any operation by name with
// parameters decoded from YAML or JSON.
package registry

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"slices"

	"github.com/specpipe/specpipe/internal/runtime/transport"
)

// API is one generated API.
type API struct {
	Name, Title, Doc string
	Timezone         string
	BaseURL          string // the spec's default; empty when SelfHosted
	BaseURLEnv       string // environment variable overriding it
	SelfHosted       bool   // no default: the base URL is a required setting
	Credentials      []Credential
	RateLimits       []RateLimit
	// Concurrency is how many requests a write step (or a call per record) keeps in flight on
	// one connection by default: the spec's concurrency (1 when it gives none); a pipeline's
	// connection may set its own, 1 to [MaxConcurrency].
	Concurrency int
	Ops         []*Op
	// New makes a client from settings.
	New func(s Settings) (Client, error)
}

// MaxConcurrency bounds the requests a connection keeps in flight (a spec's concurrency and a
// pipeline connection's).
const MaxConcurrency = 64

// Credential is a setting a client needs.
type Credential struct {
	Name, Env, Doc string
	Secret         bool
	Optional       bool
	Default        string
	Enum           []string
}

// RateLimit is a vendor limit: the transport's own description, which planning reads too.
type RateLimit = transport.RateLimit

// Settings configure a client made by API.New.
type Settings struct {
	BaseURL     string
	Credentials map[string]string
	Transport   transport.Config
}

// Client is a generated client; Call runs an operation by name.
type Client interface {
	// Call runs op with params; with all, every page of a paged operation. It yields records of
	// op.Record's type.
	Call(ctx context.Context, op string, params map[string]any, all bool) iter.Seq2[any, error]
}

// Param describes one parameter.
type Param struct {
	Name, Type, In, Doc string
	Required            bool
}

// Op describes one operation: the transport's descriptor (name, method, path, write flags), which
// the generated code sends with, and what the runner and the pipe command need besides.
type Op struct {
	*transport.Op
	GoName       string
	Summary, Doc string
	Params       []Param
	Paged        bool
	PageSize     int          // items per page when paged (for planning; 0 unknown)
	PagingParams []string     // parameters the page iterator sets itself
	Record       reflect.Type // the type of one record Call yields
}

// Op returns the named operation of a.
func (a *API) Op(name string) (*Op, bool) {
	i := slices.IndexFunc(a.Ops, func(o *Op) bool { return o.Name == name })
	if i < 0 {
		return nil, false
	}
	return a.Ops[i], true
}

// OpNames lists the operation names.
func (a *API) OpNames() []string {
	out := make([]string, len(a.Ops))
	for i, o := range a.Ops {
		out[i] = o.Name
	}
	return out
}

// Credential returns the named credential.
func (a *API) Credential(name string) (Credential, bool) {
	for _, c := range a.Credentials {
		if c.Name == name {
			return c, true
		}
	}
	return Credential{}, false
}

// Param returns the named parameter of o.
func (o *Op) Param(name string) (Param, bool) {
	for _, p := range o.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// CheckParams reports unknown and missing required parameters of o in params. With all, the
// paging parameters are not required: the page iterator sets them.
func (o *Op) CheckParams(api string, params map[string]any, all bool) error {
	names := make([]string, len(o.Params))
	for i, p := range o.Params {
		names[i] = p.Name
	}
	for k := range params {
		if !slices.Contains(names, k) {
			return fmt.Errorf("%s.%s: unknown parameter %q (parameters: %v)", api, o.Name, k, names)
		}
	}
	for _, p := range o.Params {
		if all && slices.Contains(o.PagingParams, p.Name) {
			continue
		}
		if _, ok := params[p.Name]; p.Required && !ok {
			return fmt.Errorf("%s.%s: parameter %s is required", api, o.Name, p.Name)
		}
	}
	return nil
}
