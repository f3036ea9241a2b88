package emit

import (
	"regexp"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/specpipe/specpipe/gen/ir"
)

// clientFile renders client_gen.go: the package doc, the zone, the aliases of the transport's
// types, Config, ConfigFromEnv, Client, New, apiDesc, rateLimits, prepare and the token hooks:
//
//	var zone = wire.Loc("Asia/Shanghai")
//	type Config struct { BaseURL string; Account string; Key string; Options Options }
//	type Client struct { cfg Config; t *transport.Transport }
func (g *gen) clientFile() *jen.File {
	a := g.api
	f := g.newFile()
	doc := strings.TrimSpace(a.Doc)
	if doc == "" {
		doc = "Package " + a.Name + " is a client of " + a.Title + "."
	}
	for _, line := range strings.Split(doc, "\n") {
		f.PackageComment(strings.TrimRight(line, " "))
	}
	f.Anon("time/tzdata")

	f.Comment("zone is the API's time zone; local dates and times are read and sent in it.")
	f.Var().Id("zone").Op("=").Qual(wirePkg, "Loc").Call(jen.Lit(a.Timezone))
	f.Line()
	f.Comment("Options are the transport settings of a Client: HTTP client, clock, logger, limiter, retries.")
	f.Type().Id("Options").Op("=").Qual(transportPkg, "Config")
	f.Comment("APIError is a failure answered by the vendor; inspect it with errors.As.")
	f.Type().Id("APIError").Op("=").Qual(transportPkg, "APIError")
	f.Comment("ParamError is a parameter rejected before any request was sent.")
	f.Type().Id("ParamError").Op("=").Qual(transportPkg, "ParamError")
	f.Comment("FieldError is one field's validation message in an APIError.")
	f.Type().Id("FieldError").Op("=").Qual(transportPkg, "FieldError")
	f.Line()

	// Config
	f.Comment("Config configures a Client. Credentials come from the environment through ConfigFromEnv,")
	f.Comment("or are set by the caller; they are never logged.")
	f.Type().Id("Config").StructFunc(func(s *jen.Group) {
		if a.BaseURL.SelfHosted {
			s.Comment("BaseURL is where the installation lives (required: the API is self-hosted; env " + a.BaseURL.Env + ").")
		} else {
			s.Comment("BaseURL is where the API lives (default " + a.BaseURL.Default + ", env " + a.BaseURL.Env + ").")
		}
		s.Id("BaseURL").String()
		for _, c := range a.Credentials {
			line := c.Doc
			if line == "" {
				line = c.Name
			}
			s.Comment(ir.GoName(c.Name) + ": " + strings.TrimSpace(line) + " (env " + c.Env + g.credNote(c) + ").")
			s.Id(ir.GoName(c.Name)).String()
		}
		s.Comment("Options are the transport settings; the zero value works.")
		s.Id("Options").Id("Options")
	})
	f.Line()
	f.Comment("ConfigFromEnv reads the base URL and credentials from the environment variables the spec")
	f.Comment("names, through getenv (os.Getenv in a program, a map in a test).")
	f.Func().Id("ConfigFromEnv").Params(jen.Id("getenv").Func().Params(jen.String()).String()).Id("Config").BlockFunc(func(b *jen.Group) {
		b.Id("cfg").Op(":=").Id("Config").Values(jen.Id("BaseURL").Op(":").Id("getenv").Call(jen.Lit(a.BaseURL.Env)))
		for _, c := range a.Credentials {
			b.Id("cfg").Dot(ir.GoName(c.Name)).Op("=").Id("getenv").Call(jen.Lit(c.Env))
		}
		b.Return(jen.Id("cfg"))
	})
	f.Line()

	// Client
	f.Comment("Client calls the " + a.Title + ". It is safe for concurrent use.")
	f.Type().Id("Client").StructFunc(func(s *jen.Group) {
		s.Id("cfg").Id("Config")
		s.Id("t").Op("*").Qual(transportPkg, "Transport")
		if a.Auth != nil {
			s.Id("tokens").Op("*").Qual(tokencachePkg, "Source")
		}
		if a.Encryption != nil {
			s.Id("sealer").Op("*").Qual(transportPkg, "Sealer")
		}
		if a.CallerZone != nil {
			s.Id("caller").Op("*").Qual(zonePkg, "Zone")
		}
	})
	f.Line()
	g.newFunc(f)
	g.apiDescFunc(f)
	if a.Encryption != nil {
		g.sealingFunc(f)
	}
	g.prepareFunc(f)
	if a.Auth != nil {
		g.tokenFuncs(f)
	}
	g.callerZoneFunc(f)
	return f
}

// credNote is the note after a credential's doc in Config: "; secret; optional; one of md5, sha256".
func (g *gen) credNote(c ir.Credential) string {
	var parts []string
	if c.Secret {
		parts = append(parts, "secret")
	}
	if c.Optional {
		parts = append(parts, "optional")
	}
	if c.Default != "" {
		parts = append(parts, "default "+c.Default)
	}
	if len(c.Enum) > 0 {
		parts = append(parts, "one of "+strings.Join(c.Enum, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, "; ")
}

// transportOp renders the transport's descriptor of op:
//
//	&transport.Op{API: "kqapi", Name: "recordlog", Method: "GET", Path: "/Api/Api/recordlog"}
func (g *gen) transportOp(op *ir.Operation) *jen.Statement {
	kv := []jen.Code{field("API", jen.Lit(g.api.Name)), field("Name", jen.Lit(op.Name)),
		field("Method", jen.Lit(op.Method)), field("Path", jen.Lit(op.Path))}
	if op.Write {
		kv = append(kv, field("Write", jen.True()))
	}
	if op.RetrySafe {
		kv = append(kv, field("RetrySafe", jen.True()))
	}
	if op.NoAuth {
		kv = append(kv, field("NoAuth", jen.True()))
	}
	if len(op.Status) > 0 {
		var st []jen.Code
		for _, s := range op.Status {
			st = append(st, jen.Lit(s))
		}
		kv = append(kv, field("OKStatus", jen.Index().Int().Values(st...)))
	}
	if len(op.Hints) > 0 {
		kv = append(kv, field("Hints", hintList(op.Hints)))
	}
	if op.Permission != "" {
		kv = append(kv, field("Permission", jen.Lit(op.Permission)))
	}
	if len(op.Hints) > 0 {
		// One field a line, as the hints are.
		for i, c := range kv {
			kv[i] = jen.Line().Add(c)
		}
		kv = append(kv, jen.Line())
	}
	return jen.Op("&").Qual(transportPkg, "Op").Values(kv...)
}

// strList renders: []string{"a", "b"}
func strList(ss []string) *jen.Statement {
	var items []jen.Code
	for _, s := range ss {
		items = append(items, jen.Lit(s))
	}
	return jen.Index().String().Values(items...)
}

// newFunc renders New, which applies defaults and names every missing credential:
//
//	func New(cfg Config) (*Client, error) {
//		if cfg.BaseURL == "" {
//			cfg.BaseURL = "https://www.kqapi.com"
//		}
//		var missing []string
//		if cfg.Key == "" {
//			missing = append(missing, "key (KQAPI_KEY)")
//		}
//		...
//		t, err := transport.New(apiDesc(), cfg.BaseURL, cfg.Options, map[string]string{...}, []string{cfg.Key}, transport.Hooks{Prepare: c.prepare})
//	}
func (g *gen) newFunc(f *jen.File) {
	a := g.api
	f.Comment("New returns a Client for cfg. It checks that every required credential is set and names the")
	f.Comment("environment variable of each one missing.")
	f.Func().Id("New").Params(jen.Id("cfg").Id("Config")).Params(jen.Op("*").Id("Client"), jen.Error()).BlockFunc(func(b *jen.Group) {
		if a.BaseURL.Default != "" {
			b.If(jen.Id("cfg").Dot("BaseURL").Op("==").Lit("")).Block(jen.Id("cfg").Dot("BaseURL").Op("=").Lit(a.BaseURL.Default))
		} else {
			b.If(jen.Id("cfg").Dot("BaseURL").Op("==").Lit("")).Block(jen.Return(jen.Nil(),
				jen.Qual("errors", "New").Call(jen.Lit(a.Name+": no base URL: "+a.Name+" is self-hosted, so it has no default: set "+a.BaseURL.Env+" to your installation's URL"))))
		}
		b.Var().Id("missing").Index().String()
		for _, c := range a.Credentials {
			field := jen.Id("cfg").Dot(ir.GoName(c.Name))
			if c.Default != "" {
				b.If(field.Clone().Op("==").Lit("")).Block(field.Clone().Op("=").Lit(c.Default))
			}
			if !c.Optional {
				b.If(field.Clone().Op("==").Lit("")).Block(jen.Id("missing").Op("=").Append(jen.Id("missing"), jen.Lit(c.Name+" ("+c.Env+")")))
			}
			if len(c.Enum) > 0 {
				b.If(field.Clone().Op("!=").Lit("").Op("&&").Op("!").Qual("slices", "Contains").Call(strList(c.Enum), field.Clone())).Block(
					jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(a.Name+": "+c.Env+": want one of "+strings.Join(c.Enum, ", ")+", got %q"), field.Clone())),
				)
			}
		}
		if len(a.RequireOneOf) > 0 {
			var cond *jen.Statement
			var envs []string
			for _, n := range a.RequireOneOf {
				c := jen.Id("cfg").Dot(ir.GoName(n)).Op("==").Lit("")
				if cond == nil {
					cond = c
				} else {
					cond = cond.Op("&&").Add(c)
				}
				envs = append(envs, a.Credential(n).Env)
			}
			b.If(cond).Block(jen.Id("missing").Op("=").Append(jen.Id("missing"), jen.Lit("one of "+strings.Join(envs, ", "))))
		}
		b.If(jen.Len(jen.Id("missing")).Op(">").Lit(0)).Block(jen.Return(jen.Nil(),
			jen.Qual("fmt", "Errorf").Call(jen.Lit(a.Name+": missing credentials: %s"), jen.Qual("strings", "Join").Call(jen.Id("missing"), jen.Lit(", ")))))
		client := jen.Dict{jen.Id("cfg"): jen.Id("cfg")}
		if a.Encryption != nil {
			g.newSealer(b)
			client[jen.Id("sealer")] = jen.Id("sealer")
		}
		b.Id("c").Op(":=").Op("&").Id("Client").Values(client)
		creds := jen.Dict{}
		var secrets []jen.Code
		for _, c := range a.Credentials {
			if c.Secret {
				secrets = append(secrets, jen.Id("cfg").Dot(ir.GoName(c.Name)))
			} else {
				creds[jen.Lit(c.Name)] = jen.Id("cfg").Dot(ir.GoName(c.Name))
			}
		}
		hooks := jen.Dict{jen.Id("Prepare"): jen.Id("c").Dot("prepare")}
		if a.Auth != nil {
			hooks[jen.Id("Reauth")] = jen.Id("c").Dot("reauth")
		}
		if a.Encryption != nil {
			hooks[jen.Id("Open")] = jen.Id("sealer").Dot("Open")
		}
		b.List(jen.Id("t"), jen.Err()).Op(":=").Qual(transportPkg, "New").Call(
			jen.Id("apiDesc").Call(), jen.Id("cfg").Dot("BaseURL"), jen.Id("cfg").Dot("Options"),
			jen.Map(jen.String()).String().Values(creds), jen.Index().String().Values(secrets...),
			jen.Qual(transportPkg, "Hooks").Values(hooks))
		b.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err()))
		b.Id("c").Dot("t").Op("=").Id("t")
		if au := a.Auth; au != nil {
			key := jen.Lit(a.Name + ":")
			if id := g.identityCred(); id != "" {
				key = jen.Lit(a.Name + ":").Op("+").Id("cfg").Dot(ir.GoName(id))
			}
			b.Id("c").Dot("tokens").Op("=").Qual(tokencachePkg, "NewSource").Call(jen.Id("c").Dot("fetchToken"),
				jen.Id("t").Dot("Clock").Call(), jen.Id("cfg").Dot("Options").Dot("Tokens"), key, durLit(au.Early))
		}
		if a.CallerZone != nil {
			b.Id("c").Dot("caller").Op("=").Qual(zonePkg, "New").Call(jen.Id("c").Dot("callerZoneName"))
		}
		b.Return(jen.Id("c"), jen.Nil())
	})
	f.Line()
}

// identityCred is the first non-secret credential: what a cached token is keyed by.
func (g *gen) identityCred() string {
	for _, c := range g.api.Credentials {
		if !c.Secret {
			return c.Name
		}
	}
	return ""
}

// apiDescFunc renders the API's description for the transport:
//
//	func apiDesc() *transport.API {
//		return &transport.API{Envelope: transport.Envelope{Style: "field", ...}, Name: "kqapi", RateLimits: rateLimits()}
//	}
func (g *gen) apiDescFunc(f *jen.File) {
	a := g.api
	e := a.Envelope
	env := jen.Dict{jen.Id("Style"): jen.Lit(e.Style)}
	set := func(k, v string) {
		if v != "" {
			env[jen.Id(k)] = jen.Lit(v)
		}
	}
	set("SuccessField", e.SuccessField)
	set("CodeField", e.CodeField)
	set("MessageField", e.MessageField)
	set("DataField", e.DataField)
	set("RequestIDField", e.RequestID)
	set("FieldErrors", e.FieldErrors)
	if len(e.SuccessValues) > 0 {
		env[jen.Id("SuccessValues")] = strList(e.SuccessValues)
	}
	desc := jen.Dict{
		jen.Id("Name"):       jen.Lit(a.Name),
		jen.Id("Envelope"):   jen.Qual(transportPkg, "Envelope").Values(env),
		jen.Id("RateLimits"): jen.Id("rateLimits").Call(),
	}
	if len(a.Retry.Codes) > 0 {
		desc[jen.Id("RetryCodes")] = strList(a.Retry.Codes)
	}
	if len(a.Retry.Messages) > 0 {
		desc[jen.Id("RetryMessages")] = strList(a.Retry.Messages)
	}
	if a.Auth != nil && len(a.Auth.ExpiredCodes) > 0 {
		desc[jen.Id("ExpiredCodes")] = strList(a.Auth.ExpiredCodes)
	}
	if len(a.Hints) > 0 {
		desc[jen.Id("Hints")] = hintList(a.Hints)
	}
	f.Comment("apiDesc describes the API to the transport.")
	f.Func().Id("apiDesc").Params().Op("*").Qual(transportPkg, "API").Block(
		jen.Return(jen.Op("&").Qual(transportPkg, "API").Values(desc)),
	)
	f.Line()
	g.rateLimitsFunc(f)
}

// rateLimitsFunc renders the API's rate limits, read by the transport and by the registry:
//
//	func rateLimits() []transport.RateLimit {
//		return []transport.RateLimit{{Name: "account", Interval: 20 * time.Second, Per: []string{"account"}, Doc: "…"}}
//	}
func (g *gen) rateLimitsFunc(f *jen.File) {
	var rls []jen.Code
	for _, rl := range g.api.RateLimits {
		kv := []jen.Code{field("Name", jen.Lit(rl.Name)), field("Interval", durLit(rl.Interval)), field("Per", strList(rl.Per))}
		if rl.PerOperation {
			kv = append(kv, field("PerOperation", jen.True()))
		}
		if len(rl.Only) > 0 {
			kv = append(kv, field("Only", strList(rl.Only)))
		}
		kv = append(kv, field("Doc", jen.Lit(strings.TrimSpace(rl.Doc))))
		rls = append(rls, jen.Line().Values(kv...))
	}
	if len(rls) > 0 {
		rls = append(rls, jen.Line())
	}
	f.Comment("rateLimits are the vendor's limits on calls.")
	list := jen.Index().Qual(transportPkg, "RateLimit").Values(rls...)
	if len(rls) == 0 {
		list = jen.Nil()
	}
	f.Func().Id("rateLimits").Params().Index().Qual(transportPkg, "RateLimit").Block(jen.Return(list))
	f.Line()
}

var tmplRe = regexp.MustCompile(`\{([^{}]*)\}`)

// template renders a spec template as a Go string expression over the client's config.
func (g *gen) template(s string) *jen.Statement {
	return renderTemplate(s, func(name string) jen.Code { return jen.Id("c").Dot("cfg").Dot(ir.GoName(name)) })
}

// renderTemplate renders a template; cred gives the expression of a credential.
func renderTemplate(s string, cred func(name string) jen.Code) *jen.Statement {
	var parts []jen.Code
	last := 0
	for _, m := range tmplRe.FindAllStringSubmatchIndex(s, -1) {
		if m[0] > last {
			parts = append(parts, jen.Lit(s[last:m[0]]))
		}
		ref := s[m[2]:m[3]]
		switch {
		case ref == "now.unix":
			parts = append(parts, jen.Qual("strconv", "FormatInt").Call(jen.Id("now").Dot("Unix").Call(), jen.Lit(10)))
		case ref == "now.unixms":
			parts = append(parts, jen.Qual("strconv", "FormatInt").Call(jen.Id("now").Dot("UnixMilli").Call(), jen.Lit(10)))
		case ref == "token":
			parts = append(parts, jen.Id("tok"))
		default:
			parts = append(parts, cred(strings.TrimPrefix(ref, "credential.")))
		}
		last = m[1]
	}
	if last < len(s) || len(parts) == 0 {
		parts = append(parts, jen.Lit(s[last:]))
	}
	out := jen.Add(parts[0])
	for _, p := range parts[1:] {
		out = out.Op("+").Add(p)
	}
	return out
}

// usesRef reports whether template s refers to {ref}.
func usesRef(s, ref string) bool { return strings.Contains(s, "{"+ref+"}") }

// opCond renders field == "a" || field == "b" (eq) or field != "a" && field != "b".
func opCond(field *jen.Statement, names []string, eq bool) *jen.Statement {
	var out *jen.Statement
	for _, n := range names {
		var c *jen.Statement
		if eq {
			c = field.Clone().Op("==").Lit(n)
		} else {
			c = field.Clone().Op("!=").Lit(n)
		}
		if out == nil {
			out = c
		} else if eq {
			out = out.Op("||").Add(c)
		} else {
			out = out.Op("&&").Add(c)
		}
	}
	return out
}

// prepareFunc renders the hook run before every attempt:
//
//	func (c *Client) prepare(ctx context.Context, r *transport.Request) error {
//		loc := r.ParamsLocation()
//		now := c.t.Clock().Now()
//		r.Set(wire.Str("account", transport.Query, c.cfg.Account))
//		r.Set(wire.Str("time", transport.Query, strconv.FormatInt(now.Unix(), 10)))
//		r.Set(wire.Str("sign", loc, Sign(r.Signed(), c.cfg.Key)))
//		return nil
//	}
func (g *gen) prepareFunc(f *jen.File) {
	a := g.api
	usesNow, usesTok := false, false
	check := func(s string) {
		usesNow = usesNow || usesRef(s, "now.unix") || usesRef(s, "now.unixms")
		usesTok = usesTok || usesRef(s, "token")
	}
	for _, cp := range a.CommonParams {
		check(cp.Value)
	}
	f.Comment("prepare adds the common parameters, the access token and the signature to r. It runs before")
	f.Comment("every attempt, so timestamps and signatures are fresh.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("prepare").Params(
		jen.Id("ctx").Qual("context", "Context"), jen.Id("r").Op("*").Qual(transportPkg, "Request")).Error().BlockFunc(func(b *jen.Group) {
		usesLoc := a.Signing != nil
		for _, cp := range a.CommonParams {
			usesLoc = usesLoc || cp.In == "params" || cp.In == ""
		}
		if usesLoc {
			b.Id("loc").Op(":=").Id("r").Dot("ParamsLocation").Call()
		}
		if usesNow {
			b.Id("now").Op(":=").Id("c").Dot("t").Dot("Clock").Call().Dot("Now").Call()
		}
		if usesTok {
			b.Var().Id("tok").String()
			b.If(jen.Op("!").Id("r").Dot("Op").Dot("NoAuth")).Block(
				jen.Var().Err().Error(),
				jen.If(jen.List(jen.Id("tok"), jen.Err()).Op("=").Id("c").Dot("tokens").Dot("Token").Call(jen.Id("ctx")), jen.Err().Op("!=").Nil()).Block(
					jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("get access token: %w"), jen.Err())),
				),
			)
		}
		opName := jen.Id("r").Dot("Op").Dot("Name")
		for _, cp := range a.CommonParams {
			var in jen.Code
			if cp.In == "params" || cp.In == "" {
				in = jen.Id("loc")
			} else {
				in = location(cp.In)
			}
			var set []jen.Code
			if cp.Type == "int" {
				// A number in a JSON body: its text is sent as is.
				text := jen.Id("text" + ir.GoName(cp.Name))
				set = []jen.Code{
					text.Clone().Op(":=").Add(g.template(cp.Value)),
					jen.Id("r").Dot("Set").Call(jen.Qual(transportPkg, "Param").Values(jen.Dict{
						jen.Id("Name"): jen.Lit(cp.Name), jen.Id("In"): in, jen.Id("Text"): text.Clone(),
						jen.Id("JSON"): jen.Qual("encoding/json", "RawMessage").Call(text.Clone()),
					})),
				}
			} else {
				set = []jen.Code{jen.Id("r").Dot("Set").Call(jen.Qual(wirePkg, "Str").Call(jen.Lit(cp.Name), in, g.template(cp.Value)))}
			}
			var conds []*jen.Statement
			if len(cp.Skip) > 0 {
				conds = append(conds, jen.Parens(opCond(opName, cp.Skip, false)))
			}
			if len(cp.Only) > 0 {
				conds = append(conds, jen.Parens(opCond(opName, cp.Only, true)))
			}
			if usesRef(cp.Value, "token") {
				conds = append(conds, jen.Op("!").Id("r").Dot("Op").Dot("NoAuth"))
			}
			if cp.When != "" {
				conds = append(conds, jen.Id("c").Dot("cfg").Dot(ir.GoName(cp.When)).Op("!=").Lit(""))
			}
			if len(conds) == 0 {
				for _, st := range set {
					b.Add(st)
				}
				continue
			}
			cond := conds[0]
			for _, c := range conds[1:] {
				cond = cond.Op("&&").Add(c)
			}
			b.If(cond).Block(set...)
		}
		if a.Encryption != nil {
			g.sealRequest(b)
		}
		if s := a.Signing; s != nil {
			signCall := jen.Id("Sign").Call(append([]jen.Code{jen.Id("r").Dot("Signed").Call()}, g.signerArgs(jen.Id("c").Dot("cfg"))...)...)
			sign := []jen.Code{jen.Id("r").Dot("Set").Call(jen.Qual(wirePkg, "Str").Call(jen.Lit(s.Param), jen.Id("loc"), signCall))}
			if strings.HasPrefix(s.Digest, "{credential.") {
				sign = []jen.Code{
					jen.List(jen.Id("sig"), jen.Err()).Op(":=").Add(signCall),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
					jen.Id("r").Dot("Set").Call(jen.Qual(wirePkg, "Str").Call(jen.Lit(s.Param), jen.Id("loc"), jen.Id("sig"))),
				}
			}
			if len(s.Skip) > 0 {
				b.If(opCond(opName, s.Skip, false)).Block(sign...)
			} else {
				for _, st := range sign {
					b.Add(st)
				}
			}
		}
		b.Return(jen.Nil())
	})
	f.Line()
}

// tokenParam is the common parameter that carries the token as is, if any.
func (g *gen) tokenParam() string {
	for _, cp := range g.api.CommonParams {
		if cp.Value == "{token}" {
			return cp.Name
		}
	}
	return ""
}

// tokenFuncs renders fetchToken (calls the auth operation, returns the token and its expiry)
// and reauth (drops a token the vendor rejected):
//
//	func (c *Client) fetchToken(ctx context.Context) (tokencache.Token, error) { ... }
//	func (c *Client) reauth(r *transport.Request) { ... c.tokens.Invalidate(p.Text) }
func (g *gen) tokenFuncs(f *jen.File) {
	a := g.api
	au := a.Auth
	op := a.AuthOp
	t := op.Result.Named
	tokField := t.Field(au.TokenField)
	f.Comment("fetchToken calls " + op.Go + " and returns the token with its expiry.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("fetchToken").Params(jen.Id("ctx").Qual("context", "Context")).Params(
		jen.Qual(tokencachePkg, "Token"), jen.Error()).BlockFunc(func(b *jen.Group) {
		b.Id("start").Op(":=").Id("c").Dot("t").Dot("Clock").Call().Dot("Now").Call()
		b.List(jen.Id("r"), jen.Err()).Op(":=").Id("c").Dot(op.Go).Call(jen.Id("ctx"), jen.Id(op.Go+"Params").Values())
		b.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual(tokencachePkg, "Token").Values(), jen.Err()))
		b.If(jen.Id("r").Dot(tokField.Go).Op("==").Lit("")).Block(jen.Return(jen.Qual(tokencachePkg, "Token").Values(),
			jen.Qual("fmt", "Errorf").Call(jen.Lit(g.opName(op)+": the answer holds no "+au.TokenField))))
		b.Id("life").Op(":=").Add(durLit(au.Lifetime))
		if au.ExpiresField != "" {
			ef := t.Field(au.ExpiresField)
			b.If(jen.Id("r").Dot(ef.Go).Op(">").Lit(0)).Block(
				jen.Id("life").Op("=").Qual("time", "Duration").Call(jen.Id("r").Dot(ef.Go)).Op("*").Qual("time", "Second"))
		}
		b.Return(jen.Qual(tokencachePkg, "Token").Values(jen.Dict{
			jen.Id("Value"): jen.Id("r").Dot(tokField.Go), jen.Id("Expiry"): jen.Id("start").Dot("Add").Call(jen.Id("life")),
		}), jen.Nil())
	})
	f.Line()
	f.Comment("reauth drops the token the vendor rejected as expired, so the next attempt fetches a new one.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("reauth").Params(jen.Id("r").Op("*").Qual(transportPkg, "Request")).BlockFunc(func(b *jen.Group) {
		if p := g.tokenParam(); p != "" {
			b.If(jen.Id("r").Op("==").Nil()).Block(jen.Return())
			b.If(jen.List(jen.Id("p"), jen.Id("ok")).Op(":=").Id("r").Dot("Get").Call(jen.Lit(p)), jen.Id("ok")).Block(
				jen.Id("c").Dot("tokens").Dot("Invalidate").Call(jen.Id("p").Dot("Text")))
		}
	})
	f.Line()
}

// signerCreds are the credentials the signing recipe reads, in spec order.
func (g *gen) signerCreds() []ir.Credential {
	s := g.api.Signing
	all := s.Append + s.HMACKey + s.Digest
	for _, e := range s.Extra {
		all += e.Value
	}
	var out []ir.Credential
	for _, c := range g.api.Credentials {
		if usesRef(all, "credential."+c.Name) {
			out = append(out, c)
		}
	}
	return out
}

// signerArgs renders the credential arguments of Sign: c.cfg.Secret, c.cfg.SignMethod
func (g *gen) signerArgs(cfg *jen.Statement) []jen.Code {
	var out []jen.Code
	for _, c := range g.signerCreds() {
		out = append(out, cfg.Clone().Dot(ir.GoName(c.Name)))
	}
	return out
}
