// Package kqapi emulates the 博海云考勤 (kqapi, yun.kqapi.com) attendance API on a loopback server.
//
// It is written from the vendor's documentation (the kqapi API document, yun.kqapi.com) and the
// research notes on real responses, never from a client: requests are GET /Api/Api/<method> (also
// /index.php/Api/Api/<method>) signed with md5(values sorted by key + key), valid for ±60 s, at most
// one call per 20 s per account, answered with {"status","error","data"} in PHP's json_encode style.
//
// All 18 documented endpoints are served with state: punches (recordlog), departments, employees,
// corrective punches (reCheck), applications (Apply, applyRecord), devices and the two reports,
// which are computed from the punches, the shifts and the applications.
//
// The embedded default fixture is built from [company.Default] by ./mkfixture:
//
//go:generate go run ./mkfixture -o fixture.json
package kqapi
