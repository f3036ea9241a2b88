package kimai

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// query reads query parameters as FOSRest's strict ParamFetcher does: a value that does not match
// the parameter's anchored, case-sensitive requirement makes the request a 400 Bad Request.
type query struct {
	c   *call
	bad bool
}

var (
	reMu    sync.Mutex
	reCache = map[string]*regexp.Regexp{}
)

func anchored(re string) *regexp.Regexp {
	reMu.Lock()
	defer reMu.Unlock()
	if x, ok := reCache[re]; ok {
		return x
	}
	x := regexp.MustCompile(`^(?:` + re + `)$`)
	reCache[re] = x
	return x
}

// get returns the parameter ("" when absent or empty).
func (q *query) get(name, re string) string {
	vals := q.c.r.URL.Query()[name]
	if len(vals) == 0 || vals[len(vals)-1] == "" {
		return ""
	}
	v := vals[len(vals)-1]
	if re != "" && !anchored(re).MatchString(v) {
		q.bad = true
	}
	return v
}

// list returns an array parameter sent as name[]=a&name[]=b (or name[0]=a).
func (q *query) list(name, re string) []string {
	var out []string
	vals := q.c.r.URL.Query()
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != name+"[]" && !(strings.HasPrefix(k, name+"[") && strings.HasSuffix(k, "]")) {
			continue
		}
		for _, v := range vals[k] {
			if v == "" {
				continue
			}
			if re != "" && !anchored(re).MatchString(v) {
				q.bad = true
			}
			out = append(out, v)
		}
	}
	return out
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// visibleMatch applies the visible filter: 1 visible only (default), 2 hidden only, 3 both.
func visibleMatch(mode string, visible bool) bool {
	switch mode {
	case "2":
		return !visible
	case "3":
		return true
	default:
		return visible
	}
}

// termMatch is Kimai's search term (src/Utils/SearchTerm.php, SearchTermPart,
// Repository/Search/SearchHelper::addSearchTerm) over an entity's searchable fields, compared as
// MySQL's LIKE '%word%' does (case-insensitive): the term is split at white space, every word
// must be in one of the fields and a "!word" in none of them. "name:value" searches the meta
// field name, which only the emulator's timesheets have (see [termMatchMeta]).
func termMatch(term string, fields ...string) bool { return termMatchMeta(term, nil, fields...) }

// termMatchMeta is termMatch over an entity with meta fields: "name:value" wants the field set
// and its value to contain value ("name:!value": set and not containing it), "name:*" wants it
// set, "name:~" and `name:""` want it not set (SearchHelper::addSearchTerm).
func termMatchMeta(term string, metas []MetaField, fields ...string) bool {
	for _, w := range strings.Fields(term) {
		val, meta := w, false
		if _, v, ok := strings.Cut(w, ":"); ok && v != "" {
			val, meta = v, true
			if val == `""` {
				val = ""
			}
		}
		excluded := false
		if len(val) > 1 && val[0] == '!' {
			val, excluded = val[1:], true
		}
		if meta {
			name, _, _ := strings.Cut(w, ":")
			i := slices.IndexFunc(metas, func(m MetaField) bool { return m.Name == name })
			switch {
			case val == "~" || val == "":
				if i >= 0 {
					return false
				}
			case val == "*":
				if i < 0 {
					return false
				}
			case i < 0 || strings.Contains(strings.ToLower(metas[i].Value), strings.ToLower(val)) == excluded:
				return false
			}
			continue
		}
		found := false
		for _, f := range fields {
			if strings.Contains(strings.ToLower(f), strings.ToLower(val)) {
				found = true
				break
			}
		}
		if found == excluded {
			return false
		}
	}
	return true
}

// readBody decodes the request body; on failure it has answered 400 and returns false.
func (c *call) readBody() (formData, bool) {
	data, err := readForm(c.r, c.params)
	if err != nil {
		c.fail(http.StatusBadRequest)
		c.out = "Invalid json message received"
		return nil, false
	}
	return data, true
}

// nextNumber follows CustomerService::calculateNextCustomerNumber and its project/activity
// siblings ({cc,4}, {pc,4}, {ac,4}): the entity count plus one, skipping numbers in use.
func (e *Emulator) nextNumber(count int, used func(string) bool) string {
	start := count + e.cfg.GeneratedNumbers
	for i := 0; i < 100; i++ {
		start++
		n := fmt.Sprintf("%04d", start)
		if !used(n) {
			return n
		}
	}
	return ""
}
