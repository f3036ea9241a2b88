package emit

import (
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/specpipe/specpipe/gen/ir"
)

// hintList renders the hints, one a line:
//
//	[]transport.Hint{
//		{Message: "签名错误", Text: "check KQAPI_KEY and KQAPI_ACCOUNT"},
//	}
func hintList(hs []ir.Hint) *jen.Statement {
	var items []jen.Code
	for _, h := range hs {
		var kv []jen.Code
		if h.Status != 0 {
			kv = append(kv, field("Status", jen.Lit(h.Status)))
		}
		if h.Code != "" {
			kv = append(kv, field("Code", jen.Lit(h.Code)))
		}
		if h.Message != "" {
			kv = append(kv, field("Message", jen.Lit(h.Message)))
		}
		kv = append(kv, field("Text", jen.Lit(h.Text)))
		items = append(items, jen.Line().Values(kv...))
	}
	return jen.Index().Qual(transportPkg, "Hint").Values(append(items, jen.Line())...)
}

// summary is the registry's one line on op (what `pipe ops` prints): its summary, and the
// permission it needs.
func summary(op *ir.Operation) string {
	if op.Permission == "" {
		return op.Summary
	}
	return strings.TrimSpace(op.Summary + " (permission: " + op.Permission + ")")
}
