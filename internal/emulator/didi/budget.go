package didi

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxLength is the largest page (length) the list endpoints accept.
const MaxLength = 100

// maxCenters is the documented limit of cost centers per company.
const maxCenters = 2000

// paging parses the required offset and length. With multiple set, offset must be a multiple of
// length (Member/get).
func paging(p params, multiple bool) (int, int, *apiError) {
	if strings.TrimSpace(p["offset"]) == "" || strings.TrimSpace(p["length"]) == "" {
		return 0, 0, fail(ErrBadParam, "参数错误,offset和length为必填项")
	}
	off, err1 := strconv.Atoi(strings.TrimSpace(p["offset"]))
	n, err2 := strconv.Atoi(strings.TrimSpace(p["length"]))
	if err1 != nil || err2 != nil || off < 0 || n < 1 {
		return 0, 0, fail(ErrBadParam, "参数错误,offset或length不合法")
	}
	if n > MaxLength {
		return 0, 0, fail(ErrBadParam, "参数错误,length最大为100")
	}
	if multiple && off%n != 0 {
		return 0, 0, fail(ErrBadParam, "参数错误,offset必须可以被length整除")
	}
	return off, n, nil
}

func window[T any](rows []T, off, n int) []T {
	lo := min(off, len(rows))
	return rows[lo:min(lo+n, len(rows))]
}

func (e *Emulator) memberName(id string) string {
	if i := slices.IndexFunc(e.members, func(m Member) bool { return m.ID == id }); i >= 0 {
		return e.members[i].RealName
	}
	return ""
}

// budgetRecord renders a cost center as BudgetCenter/get returns it.
func (e *Emulator) budgetRecord(bc BudgetCenter) object {
	leaders := []object{}
	for i, id := range bc.LeaderIDs {
		typ := "other"
		if i == 0 {
			typ = "major"
		}
		leaders = append(leaders, object{{"leader_id", id}, {"leader_name", e.memberName(id)}, {"leader_type", typ}})
	}
	o := object{
		{"id", bc.ID}, {"name", bc.Name}, {"company_id", bc.CompanyID}, {"status", "1"},
		{"type", strconv.Itoa(bc.Type)}, {"budget_cycle", bc.BudgetCycle}, {"out_budget_id", bc.OutBudgetID},
		{"total_quota", bc.TotalQuota}, {"is_limit_quota", bc.IsLimitQuota}, {"member_num", bc.MemberNum},
		{"available_quota", bc.AvailableQuota}, {"freeze_quota", bc.FreezeQuota},
		{"leader_id", strings.Join(bc.LeaderIDs, ",")}, {"leader_item_list", leaders},
		{"parent_id", bc.ParentID}, {"member_used", bc.MemberUsed},
		{"start_date", bc.StartDate}, {"expiry_date", bc.ExpiryDate}, {"legal_entity_id", bc.LegalEntityID},
	}
	if bc.Type == 2 && bc.BudgetExtraInfo != "" {
		o = append(o, field{"budget_extra_info", bc.BudgetExtraInfo})
	}
	return o
}

// budgetGet lists the active cost centers of the company that match the filters, in a stable
// order (creation order), offset/length paged. total is a string.
func (e *Emulator) budgetGet(_ time.Time, _ Client, p params) (any, *apiError) {
	off, n, err := paging(p, false)
	if err != nil {
		return nil, err
	}
	typ := strings.TrimSpace(p["type"])
	if typ != "" && typ != "1" && typ != "2" {
		return nil, fail(ErrBadParam, "参数错误,type不合法")
	}
	exact := strings.TrimSpace(p["is_exact_name"]) == "1"
	var rows []BudgetCenter
	for _, bc := range e.centers {
		switch {
		case bc.Deleted || bc.CompanyID != p["company_id"]:
		case p["id"] != "" && bc.ID != p["id"]:
		case p["out_budget_id"] != "" && bc.OutBudgetID != p["out_budget_id"]:
		case typ != "" && strconv.Itoa(bc.Type) != typ:
		case p["name"] != "" && exact && bc.Name != p["name"]:
		case p["name"] != "" && !exact && !strings.Contains(bc.Name, p["name"]):
		default:
			rows = append(rows, bc)
		}
	}
	records := []object{}
	for _, bc := range window(rows, off, n) {
		records = append(records, e.budgetRecord(bc))
	}
	return object{{"total", strconv.Itoa(len(rows))}, {"records", records}}, nil
}

// find returns the index of the active cost center named by id, or by out_budget_id and type
// (and name for a project, when given).
func (e *Emulator) find(company string, p params) (int, *apiError) {
	id, out := strings.TrimSpace(p["id"]), strings.TrimSpace(p["out_budget_id"])
	if id == "" && out == "" {
		return -1, fail(ErrBadParam, "参数错误,id和out_budget_id不能同时为空")
	}
	typ := strings.TrimSpace(p["type"])
	if id == "" && typ != "1" && typ != "2" {
		return -1, fail(ErrBadParam, "参数错误,使用out_budget_id时type为必填项")
	}
	i := slices.IndexFunc(e.centers, func(bc BudgetCenter) bool {
		if bc.Deleted || bc.CompanyID != company {
			return false
		}
		if id != "" {
			return bc.ID == id
		}
		return bc.OutBudgetID == out && strconv.Itoa(bc.Type) == typ && (bc.Type == 1 || p["name"] == "" || bc.Name == p["name"])
	})
	if i < 0 {
		return -1, fail(ErrBadParam, "部门或项目不存在")
	}
	return i, nil
}

// quota normalises a yuan amount to two decimals.
func quota(s string) (string, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || f > 1e12 {
		return "", false
	}
	return strconv.FormatFloat(f, 'f', 2, 64), true
}

func validDate(s string, zero bool) bool {
	if zero && s == "0" {
		return true
	}
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// applyFields validates the writable fields present in p and sets them on bc. On add, every
// required field must be present.
func (e *Emulator) applyFields(bc *BudgetCenter, p params, adding bool) *apiError {
	has := func(k string) bool { _, ok := p[k]; return ok }
	if adding {
		for _, k := range []string{"type", "name", "budget_cycle", "total_quota"} {
			if strings.TrimSpace(p[k]) == "" {
				return fail(ErrBadParam, "参数错误,"+k+"为必填项")
			}
		}
		t, err := strconv.Atoi(strings.TrimSpace(p["type"]))
		if err != nil || (t != 1 && t != 2) {
			return fail(ErrBadParam, "参数错误,type不合法")
		}
		bc.Type = t
	}
	if has("name") {
		name := strings.TrimSpace(p["name"])
		if name == "" || utf8.RuneCountInString(name) > 200 {
			return fail(ErrBadParam, "参数错误,name不能为空且不能超过200个字符")
		}
		bc.Name = name
	}
	if has("budget_cycle") {
		c, err := strconv.Atoi(strings.TrimSpace(p["budget_cycle"]))
		if err != nil || c < 0 || c > 7 {
			return fail(ErrBadParam, "参数错误,budget_cycle不合法")
		}
		bc.BudgetCycle = c
	}
	if has("total_quota") {
		q, ok := quota(p["total_quota"])
		if !ok {
			return fail(ErrBadParam, "参数错误,total_quota不合法")
		}
		bc.TotalQuota, bc.AvailableQuota = q, q
		bc.IsLimitQuota = 0
		if q != "0.00" {
			bc.IsLimitQuota = 1
		}
	}
	if has("out_budget_id") {
		out := strings.TrimSpace(p["out_budget_id"])
		if len(out) > 64 {
			return fail(ErrBadParam, "参数错误,out_budget_id不能超过64个字符")
		}
		if out != "" && slices.ContainsFunc(e.centers, func(o BudgetCenter) bool {
			return !o.Deleted && o.CompanyID == bc.CompanyID && o.OutBudgetID == out && o.ID != bc.ID
		}) {
			return fail(ErrBadParam, "外部成本中心id已存在")
		}
		bc.OutBudgetID = out
	}
	if bc.Type == 1 && bc.OutBudgetID == "" {
		return fail(ErrBadParam, "参数错误,部门的out_budget_id为必填项")
	}
	if has("leader_id") {
		ids := splitList(p["leader_id"])
		if len(ids) > 30 {
			return fail(ErrBadParam, "参数错误,主管最多30个")
		}
		for _, id := range ids {
			if !slices.ContainsFunc(e.members, func(m Member) bool { return m.ID == id && m.CompanyID == bc.CompanyID }) {
				return fail(ErrBadParam, "参数错误,leader_id不存在:"+id)
			}
		}
		bc.LeaderIDs = ids
	}
	switch parent, outParent := strings.TrimSpace(p["parent_id"]), strings.TrimSpace(p["out_parent_id"]); {
	case parent != "" && parent != "0":
		if parent == bc.ID || !slices.ContainsFunc(e.centers, func(o BudgetCenter) bool {
			return !o.Deleted && o.CompanyID == bc.CompanyID && o.ID == parent
		}) {
			return fail(ErrBadParam, "参数错误,parent_id不存在")
		}
		bc.ParentID = parent
	case outParent != "":
		i := slices.IndexFunc(e.centers, func(o BudgetCenter) bool {
			return !o.Deleted && o.CompanyID == bc.CompanyID && o.OutBudgetID == outParent && o.ID != bc.ID
		})
		if i < 0 {
			return fail(ErrBadParam, "参数错误,out_parent_id不存在")
		}
		bc.ParentID = e.centers[i].ID
	case parent == "0" || bc.ParentID == "":
		bc.ParentID = "0"
	}
	if has("member_used") {
		mu, err := strconv.Atoi(strings.TrimSpace(p["member_used"]))
		switch {
		case err != nil || mu < 0 || mu > 2:
			return fail(ErrBadParam, "参数错误,member_used不合法")
		case mu == 2:
			return fail(ErrWhitelist, "公司主体可见需要开通白名单")
		}
		bc.MemberUsed = mu
	}
	for _, d := range []struct {
		key  string
		dst  *string
		zero bool
	}{{"start_date", &bc.StartDate, false}, {"expiry_date", &bc.ExpiryDate, true}} {
		if v := strings.TrimSpace(p[d.key]); has(d.key) && v != "" {
			if !validDate(v, d.zero) {
				return fail(ErrBadParam, "参数错误,"+d.key+"格式为yyyy-MM-dd")
			}
			*d.dst = v
		}
	}
	if has("legal_entity_id") {
		ids := splitList(p["legal_entity_id"])
		for _, id := range ids {
			if !slices.ContainsFunc(e.entities, func(l LegalEntity) bool { return l.ID == id && l.CompanyID == bc.CompanyID && l.Status == 1 }) {
				return fail(ErrWhitelist, "legal_entity_id不合法:"+id)
			}
		}
		bc.LegalEntityID = strings.Join(ids, ",")
	}
	if has("budget_extra_info") {
		if utf8.RuneCountInString(p["budget_extra_info"]) > 500 {
			return fail(ErrBadParam, "参数错误,budget_extra_info不能超过500个字符")
		}
		bc.BudgetExtraInfo = p["budget_extra_info"]
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// budgetAdd creates a cost center and answers data:{"id":"<16 digits>"}.
func (e *Emulator) budgetAdd(_ time.Time, _ Client, p params) (any, *apiError) {
	company := p["company_id"]
	n := 0
	for _, bc := range e.centers {
		if !bc.Deleted && bc.CompanyID == company {
			n++
		}
	}
	if n >= maxCenters {
		return nil, fail(ErrBadParam, "部门数量已达上限2000")
	}
	bc := BudgetCenter{CompanyID: company, FreezeQuota: "0.00", ParentID: "0"}
	if err := e.applyFields(&bc, p, true); err != nil {
		return nil, err
	}
	if bc.Type == 2 && bc.ExpiryDate == "" {
		bc.ExpiryDate = "0"
	}
	bc.ID = strconv.FormatInt(e.nextID, 10)
	e.nextID++
	e.centers = append(e.centers, bc)
	return object{{"id", bc.ID}}, nil
}

// budgetEdit updates the cost center named by id (or out_budget_id and type) and answers data:{}.
func (e *Emulator) budgetEdit(_ time.Time, _ Client, p params) (any, *apiError) {
	i, err := e.find(p["company_id"], p)
	if err != nil {
		return nil, err
	}
	bc := e.centers[i]
	bc.LeaderIDs = slices.Clone(bc.LeaderIDs)
	q := params{}
	for k, v := range p {
		q[k] = v
	}
	if strings.TrimSpace(p["id"]) == "" {
		delete(q, "out_budget_id") // it named the item; it is not a new value
		if bc.Type == 2 {
			delete(q, "name")
		}
	}
	if err := e.applyFields(&bc, q, false); err != nil {
		return nil, err
	}
	e.centers[i] = bc
	return object{}, nil
}

// budgetDel disables the cost center: it no longer appears in get. Answers data:{}.
func (e *Emulator) budgetDel(_ time.Time, _ Client, p params) (any, *apiError) {
	i, err := e.find(p["company_id"], p)
	if err != nil {
		return nil, err
	}
	e.centers[i].Deleted = true
	return object{}, nil
}
