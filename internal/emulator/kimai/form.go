package kimai

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// value is one submitted form value after FOSRest's JSON-to-form decoding: every scalar is a
// string, JSON true is "1", JSON null is "" and JSON false is null.
type value struct {
	null bool
	s    string
	list []value
	m    map[string]value
	kind byte // 's' string, 'n' null, 'l' list, 'm' map
}

// formData is a submitted request body.
type formData map[string]value

// errBadBody marks a body that is not a JSON object.
var errBadBody = errors.New("invalid json message received")

var snakePattern = regexp.MustCompile(`_([a-zA-Z0-9])`)

// camel is FOSRest's camel_keys normalizer: address_line1 → addressLine1.
func camel(k string) string {
	if !strings.Contains(k, "_") {
		return k
	}
	return snakePattern.ReplaceAllStringFunc(k, func(m string) string { return strings.ToUpper(m[1:]) })
}

// readForm decodes the request body as FOSRest's body listener does: JSON (also when no
// Content-Type is sent, the API's fallback format) through the JSON-to-form decoder, form-encoded
// bodies as PHP parses them, and any other media type not at all (the body is ignored).
func readForm(r *http.Request, params map[string]string) (formData, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var v value
	switch mt {
	case "", "application/json", "application/x-json":
		if len(bytes.TrimSpace(b)) == 0 {
			return formData{}, nil
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var raw any
		if err := dec.Decode(&raw); err != nil || dec.More() {
			return nil, errBadBody
		}
		switch x := raw.(type) {
		case map[string]any:
			v = toValue(x)
		case []any: // a JSON list is a PHP array too: its keys 0, 1, ... become (extra) fields
			m := map[string]any{}
			for i, e := range x {
				m[strconv.Itoa(i)] = e
			}
			v = toValue(m)
		default:
			return nil, errBadBody
		}
	case "application/x-www-form-urlencoded":
		q, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, errBadBody
		}
		v = value{kind: 'm', m: map[string]value{}}
		for k, vals := range q {
			if name, ok := strings.CutSuffix(k, "[]"); ok {
				l := value{kind: 'l'}
				for _, s := range vals {
					l.list = append(l.list, value{kind: 's', s: s})
				}
				v.m[camel(name)] = l
				continue
			}
			v.m[camel(k)] = value{kind: 's', s: vals[len(vals)-1]}
		}
	default:
		return formData{}, nil
	}
	for k, x := range v.m {
		switch x.kind {
		case 's', 'n':
			params[k] = x.s
		default:
			params[k] = x.String()
		}
	}
	return formData(v.m), nil
}

// String renders a list or map value for the journal.
func (v value) String() string {
	switch v.kind {
	case 'l':
		parts := make([]string, len(v.list))
		for i, e := range v.list {
			parts[i] = e.String()
		}
		return "[" + strings.Join(parts, ",") + "]"
	case 'm':
		keys := make([]string, 0, len(v.m))
		for k := range v.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + v.m[k].String()
		}
		return "{" + strings.Join(parts, ",") + "}"
	case 'n':
		return "null"
	}
	return v.s
}

func toValue(x any) value {
	switch t := x.(type) {
	case nil:
		return value{kind: 's', s: ""}
	case bool:
		if t {
			return value{kind: 's', s: "1"}
		}
		return value{kind: 'n', null: true}
	case string:
		return value{kind: 's', s: t}
	case json.Number:
		return value{kind: 's', s: phpNumber(t)}
	case []any:
		v := value{kind: 'l'}
		for _, e := range t {
			v.list = append(v.list, toValue(e))
		}
		return v
	case map[string]any:
		v := value{kind: 'm', m: map[string]value{}}
		for k, e := range t {
			v.m[camel(k)] = toValue(e)
		}
		return v
	}
	return value{kind: 's'}
}

// phpNumber renders a JSON number as PHP's string cast of the decoded int or float.
func phpNumber(n json.Number) string {
	if i, err := n.Int64(); err == nil {
		return strconv.FormatInt(i, 10)
	}
	f, err := n.Float64()
	if err != nil {
		return n.String()
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'G', 15, 64)
}

// form is a submitted Symfony form: its children, what was submitted, and the errors found.
type form struct {
	data     formData
	clear    bool     // clearMissing: absent children are submitted as null
	children []string // every child of the form, in order
	errs     map[string][]string
	trees    map[string]any // error trees of compound children (team members)
	global   []string
}

const msgExtraFields = "This form should not contain extra fields."

// newForm submits data to a form with the given children. Keys that are not children make the
// form-level "extra fields" error, as Symfony's FormValidator does.
func newForm(data formData, clear bool, children ...string) *form {
	f := &form{data: data, clear: clear, children: children, errs: map[string][]string{}, trees: map[string]any{}}
	for k := range data {
		if !f.isChild(k) {
			f.global = []string{msgExtraFields}
			break
		}
	}
	return f
}

func (f *form) isChild(name string) bool {
	for _, c := range f.children {
		if c == name {
			return true
		}
	}
	return false
}

// submitted reports whether the child is part of this submission (present, or clearMissing).
func (f *form) submitted(name string) bool {
	if !f.isChild(name) {
		return false
	}
	_, ok := f.data[name]
	return ok || f.clear
}

// text returns the submitted text of a child ("" for null or empty) and whether it was submitted.
// A list or object where text is expected is "This value is not valid.".
func (f *form) text(name string) (string, bool) {
	if !f.submitted(name) {
		return "", false
	}
	v := f.data[name]
	if v.kind == 'l' || v.kind == 'm' {
		f.addErr(name, "This value is not valid.")
		return "", false
	}
	return strings.TrimSpace(v.s), true
}

// setText stores a submitted text child into dst.
func (f *form) setText(name string, dst *string) {
	if s, ok := f.text(name); ok {
		*dst = s
	}
}

// checkbox applies Symfony's CheckboxType with false_values [null]: JSON false is false, any
// other present value is true, absent keeps cur (or false with clearMissing).
func (f *form) checkbox(name string, cur bool) bool {
	if !f.submitted(name) {
		return cur
	}
	v, ok := f.data[name]
	if !ok || v.kind == 'n' {
		return false
	}
	return true
}

func (f *form) addErr(name, msg string) {
	for _, m := range f.errs[name] {
		if m == msg {
			return
		}
	}
	f.errs[name] = append(f.errs[name], msg)
}

func (f *form) addGlobal(msg string) { f.global = append(f.global, msg) }

func (f *form) valid() bool {
	if len(f.global) > 0 {
		return false
	}
	for _, e := range f.errs {
		if len(e) > 0 {
			return false
		}
	}
	for _, t := range f.trees {
		if treeHasErrors(t) {
			return false
		}
	}
	return true
}

func treeHasErrors(t any) bool {
	switch x := t.(type) {
	case obj:
		for _, m := range x {
			if m.k == "errors" || treeHasErrors(m.v) {
				return true
			}
		}
	}
	return false
}

// body is FOSRest's form error body: every child listed, {} for children without errors.
func (f *form) body() obj {
	children := obj{}
	for _, c := range f.children {
		if t, ok := f.trees[c]; ok {
			children = append(children, kv{c, t})
			continue
		}
		if e := f.errs[c]; len(e) > 0 {
			children = append(children, kv{c, obj{{"errors", e}}})
			continue
		}
		children = append(children, kv{c, obj{}})
	}
	errs := obj{}
	if len(f.global) > 0 {
		errs = append(errs, kv{"errors", f.global})
	}
	errs = append(errs, kv{"children", children})
	return obj{{"code", 400}, {"message", "Validation Failed"}, {"errors", errs}}
}

// invalid answers 400 with the form's errors.
func (c *call) invalid(f *form) {
	c.status, c.code, c.out = http.StatusBadRequest, "400", "Validation Failed: "+f.summary()
	writeJSON(c.w, http.StatusBadRequest, f.body())
}

func (f *form) summary() string {
	var parts []string
	parts = append(parts, f.global...)
	for _, c := range f.children {
		for _, m := range f.errs[c] {
			parts = append(parts, c+": "+m)
		}
		if t, ok := f.trees[c]; ok && treeHasErrors(t) {
			parts = append(parts, c+": invalid")
		}
	}
	return strings.Join(parts, "; ")
}

// Messages of Symfony's validators (English).
const (
	msgBlank    = "This value should not be blank."
	msgNull     = "This value should not be null."
	msgChoice   = "The selected choice is invalid."
	msgInvalid  = "This value is not valid."
	msgEmail    = "This value is not a valid email address."
	msgURL      = "This value is not a valid URL."
	msgColor    = "The given value is not a valid hexadecimal color."
	msgMoney    = "Please enter a valid money amount."
	msgDate     = "Please enter a valid date."
	msgDateTime = "Please enter a valid date and time."
	msgSpecial  = `The following characters are not allowed: < > " =`
)

func tooShort(n int) string {
	if n == 1 {
		return "This value is too short. It should have 1 character or more."
	}
	return "This value is too short. It should have " + strconv.Itoa(n) + " characters or more."
}

func tooLong(n int) string {
	if n == 1 {
		return "This value is too long. It should have 1 character or less."
	}
	return "This value is too long. It should have " + strconv.Itoa(n) + " characters or less."
}

// checkLength applies Assert\Length (empty values are skipped, as the form turns "" into null).
func (f *form) checkLength(name, s string, min, max int) {
	if s == "" {
		return
	}
	n := utf8.RuneCountInString(s)
	if min > 0 && n < min {
		f.addErr(name, tooShort(min))
	}
	if max > 0 && n > max {
		f.addErr(name, tooLong(max))
	}
}

// checkName applies the rules of every entity name: NotBlank, Length, NoSpecialCharacters.
func (f *form) checkName(name, s string, min, max int) {
	if s == "" {
		f.addErr(name, msgBlank)
		return
	}
	f.checkLength(name, s, min, max)
	f.checkSpecial(name, s)
}

// checkSpecial applies Constraints\NoSpecialCharacters (names and numbers of customers, projects
// and activities).
func (f *form) checkSpecial(name, s string) {
	if strings.ContainsAny(s, `<>"=`) {
		f.addErr(name, msgSpecial)
	}
}

var hexColor = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// color reads a ColorPickerType child into dst.
func (f *form) color(name string, dst *string) {
	s, ok := f.text(name)
	if !ok {
		return
	}
	if s != "" && !hexColor.MatchString(s) {
		f.addErr(name, msgColor)
		return
	}
	*dst = s
}

var emailPattern = regexp.MustCompile(`^[a-zA-Z0-9.!#$%&'*+/=?^_` + "`" + `{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$`)

// email reads an HTML5-validated email child.
func (f *form) email(name string, dst *string, max int) {
	s, ok := f.text(name)
	if !ok {
		return
	}
	if s != "" && !emailPattern.MatchString(s) {
		f.addErr(name, msgEmail)
	}
	f.checkLength(name, s, 0, max)
	*dst = s
}

// money reads a MoneyType child.
func (f *form) money(name string, dst *float64) {
	s, ok := f.text(name)
	if !ok {
		return
	}
	if s == "" {
		*dst = 0
		return
	}
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		f.addErr(name, msgMoney)
		return
	}
	*dst = v
}

// duration reads a DurationType child (Kimai's parseDurationString) into seconds.
func (f *form) duration(name string, dst *int) {
	s, ok := f.text(name)
	if !ok {
		return
	}
	if s == "" {
		*dst = 0
		return
	}
	secs, err := parseDurationString(s)
	if err != nil {
		f.addErr(name, msgInvalid)
		return
	}
	*dst = secs
}

var (
	naturalPart = regexp.MustCompile(`(?i)^\s*(-?\d+(?:[.,]\d+)?)\s*([hms])\s*`)
	colonPart   = regexp.MustCompile(`^-?\d+$`)
)

// parseDurationString follows Kimai's Duration::parseDurationString: "h:mm[:ss]", a decimal
// number of hours ("10,25" or "10.25"), or a natural "1h 30m 10s".
func parseDurationString(s string) (int, error) {
	s = strings.TrimSpace(s)
	bad := errors.New("invalid duration")
	switch {
	case strings.Contains(s, ":"):
		parts := strings.Split(s, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return 0, bad
		}
		var n [3]int
		for i, p := range parts {
			if !colonPart.MatchString(p) {
				return 0, bad
			}
			n[i], _ = strconv.Atoi(p)
		}
		neg := strings.HasPrefix(s, "-")
		if neg {
			n[0] = -n[0]
		}
		secs := n[0]*3600 + n[1]*60 + n[2]
		if neg {
			secs = -secs
		}
		return secs, nil
	case strings.ContainsAny(s, ".,") || isNumeric(s):
		v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
		if err != nil {
			return 0, bad
		}
		return int(math.Round(v * 3600)), nil
	default:
		total, rest := 0.0, s
		for rest != "" {
			m := naturalPart.FindStringSubmatch(rest)
			if m == nil {
				return 0, bad
			}
			v, _ := strconv.ParseFloat(strings.Replace(m[1], ",", ".", 1), 64)
			switch strings.ToLower(m[2]) {
			case "h":
				total += v * 3600
			case "m":
				total += v * 60
			case "s":
				total += v
			}
			rest = rest[len(m[0]):]
		}
		return int(math.Round(total)), nil
	}
}

func isNumeric(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// ids reads an entity choice child: a single ID as a string. ok is false when absent; the id is 0
// for an empty submission; -1 for something that cannot be an ID at all.
func (f *form) id(name string) (id int, ok bool) {
	s, ok := f.text(name)
	if !ok {
		return 0, false
	}
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || strconv.Itoa(n) != s {
		return -1, true
	}
	return n, true
}

// idList reads a multiple entity choice child (a list of IDs, or a single ID).
func (f *form) idList(name string) (ids []int, ok bool) {
	if !f.submitted(name) {
		return nil, false
	}
	v := f.data[name]
	var items []value
	switch v.kind {
	case 'l':
		items = v.list
	case 'm':
		f.addErr(name, msgChoice)
		return nil, false
	default:
		if v.s == "" || v.kind == 'n' {
			return []int{}, true
		}
		items = []value{v}
	}
	out := []int{}
	for _, it := range items {
		n, err := strconv.Atoi(it.s)
		if it.kind != 's' || err != nil || n <= 0 {
			out = append(out, -1)
			continue
		}
		out = append(out, n)
	}
	return out, true
}
