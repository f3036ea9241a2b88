package didi

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

func (e *Emulator) memberRecord(m Member) object {
	department := ""
	if i := slices.IndexFunc(e.centers, func(bc BudgetCenter) bool { return bc.ID == m.BudgetCenterID }); i >= 0 {
		department = e.centers[i].Name
	}
	outLE := ""
	if i := slices.IndexFunc(e.entities, func(l LegalEntity) bool { return l.ID == m.LegalEntityID }); i >= 0 {
		outLE = e.entities[i].OutLegalEntityID
	}
	return object{
		{"id", m.ID}, {"phone", m.Phone}, {"realname", m.RealName}, {"employee_number", m.EmployeeNumber},
		{"email", m.Email}, {"system_role", 0}, {"role_ids", ""}, {"immediate_superior_phone", ""},
		{"residentsname", "上海"}, {"use_company_money", m.UseCompanyMoney}, {"total_quota", m.TotalQuota},
		{"is_remark", 0}, {"budget_center_id", m.BudgetCenterID}, {"con_department_ids", []string{}},
		{"project_ids", m.ProjectIDs}, {"use_car_config", []string{}}, {"available_quota", m.AvailableQuota},
		{"branch_name", ""}, {"department", department}, {"regulation_id", []string{}},
		{"set_dismiss_time", strings.SplitN(m.DismissTime, " ", 2)[0]}, {"dismiss_time", m.DismissTime},
		{"legal_entity_id", m.LegalEntityID}, {"out_legal_entity_id", outLE}, {"sex", m.Sex}, {"source", 1},
	}
}

// numericLess orders decimal id strings numerically.
func numericLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// memberGet lists members: offset/length (offset a multiple of length), exact phone, employee_number
// and email, fuzzy realname, status (comma list; default 1,4,6). With last_id, every filter but
// status is ignored and the members after that id are returned in id order.
func (e *Emulator) memberGet(_ time.Time, _ Client, p params) (any, *apiError) {
	lastID := strings.TrimSpace(p["last_id"])
	off, n, err := paging(p, lastID == "")
	if err != nil && lastID != "" && strings.TrimSpace(p["length"]) != "" {
		// With last_id the offset does not matter; only length is checked.
		off, n, err = paging(params{"offset": "0", "length": p["length"]}, false)
	}
	if err != nil {
		return nil, err
	}
	statuses := []string{"1", "4", "6"}
	if s := strings.TrimSpace(p["status"]); s != "" {
		statuses = splitList(s)
		for _, st := range statuses {
			if st != "1" && st != "4" && st != "6" {
				return nil, fail(ErrBadParam, "参数错误,status不合法")
			}
		}
	}
	var rows []Member
	for _, m := range e.members {
		if m.CompanyID != p["company_id"] || !slices.Contains(statuses, strconv.Itoa(m.Status)) {
			continue
		}
		if lastID != "" {
			if numericLess(lastID, m.ID) {
				rows = append(rows, m)
			}
			continue
		}
		switch {
		case p["phone"] != "" && m.Phone != p["phone"]:
		case p["employee_number"] != "" && m.EmployeeNumber != p["employee_number"]:
		case p["email"] != "" && m.Email != p["email"]:
		case p["realname"] != "" && !strings.Contains(m.RealName, p["realname"]):
		default:
			rows = append(rows, m)
		}
	}
	if lastID != "" {
		slices.SortStableFunc(rows, func(a, b Member) int {
			if numericLess(a.ID, b.ID) {
				return -1
			}
			if numericLess(b.ID, a.ID) {
				return 1
			}
			return 0
		})
		off = 0
	}
	records := []object{}
	for _, m := range window(rows, off, n) {
		records = append(records, e.memberRecord(m))
	}
	return object{{"total", len(rows)}, {"records", records}}, nil
}

// legalEntityGet lists the company's active legal entities: offset/length, legal_entity_id (comma
// list), keyword (fuzzy on the name).
func (e *Emulator) legalEntityGet(_ time.Time, _ Client, p params) (any, *apiError) {
	off, n, err := paging(p, false)
	if err != nil {
		return nil, err
	}
	ids := splitList(p["legal_entity_id"])
	kw := strings.TrimSpace(p["keyword"])
	var rows []LegalEntity
	for _, l := range e.entities {
		if l.CompanyID != p["company_id"] || l.Status != 1 || (len(ids) > 0 && !slices.Contains(ids, l.ID)) ||
			(kw != "" && !strings.Contains(l.Name, kw)) {
			continue
		}
		rows = append(rows, l)
	}
	records := []object{}
	for _, l := range window(rows, off, n) {
		parent := 0
		records = append(records, object{
			{"address", l.Address}, {"bank_card_no", l.BankCardNo}, {"end_time", l.EndTime},
			{"legal_entity_id", l.ID}, {"name", l.Name}, {"open_bank", l.OpenBank},
			{"out_legal_entity_id", l.OutLegalEntityID}, {"parent_id", parent}, {"start_time", l.StartTime},
			{"taxpayer_no", l.TaxpayerNo}, {"telephone", l.Telephone}, {"status", l.Status},
		})
	}
	return object{{"total", len(rows)}, {"records", records}}, nil
}
