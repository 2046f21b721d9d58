package admin

import (
	"reflect"
	"testing"
)

func TestTenantsCommands(t *testing.T) {
	tenants := `[{"id":"t-1","name":"acme","secrets":["a","b"]},{"id":"t-2","name":"globex","secrets":["c"]}]`
	settings := `[{"param":"record","value":"false","override":true},{"param":"welcome","value":"hi","override":false}]`
	tests := []requestCase{
		{
			name:       "tenants alone lists",
			args:       []string{"tenants"},
			replies:    map[string]cannedReply{"GET /bbb/tenants": {200, tenants}},
			want:       []recordedRequest{{Method: "GET", Path: "/bbb/tenants"}},
			wantStdout: "NAME    ID   SECRETS\nacme    t-1  2\nglobex  t-2  1\n",
		},
		{
			name:       "add with secrets",
			args:       []string{"tenants", "add", "acme", "a", "b"},
			replies:    map[string]cannedReply{"POST /bbb/tenants": {201, `{"id":"t-1","name":"acme","secrets":["a","b"]}`}},
			want:       []recordedRequest{{Method: "POST", Path: "/bbb/tenants", ContentType: cliJSONType, Body: `{"name":"acme","secrets":["a","b"]}`}},
			wantStdout: "OK\nid: t-1\n",
		},
		{
			name:       "update secrets only",
			args:       []string{"tenants", "update", "t-1", "--secret", "x", "--secret", "y,z"},
			replies:    map[string]cannedReply{"PATCH /bbb/tenants/t-1": {200, `{}`}},
			want:       []recordedRequest{{Method: "PATCH", Path: "/bbb/tenants/t-1", ContentType: cliJSONType, Body: `{"secrets":["x","y,z"]}`}},
			wantStdout: "OK: tenant t-1 updated\n",
		},
		{
			name:       "remove",
			args:       []string{"tenants", "remove", "t-1"},
			replies:    map[string]cannedReply{"DELETE /bbb/tenants/t-1": {200, `{}`}},
			want:       []recordedRequest{{Method: "DELETE", Path: "/bbb/tenants/t-1"}},
			wantStdout: "OK: tenant t-1 removed\n",
		},
		{
			name:       "settings shows",
			args:       []string{"tenants", "settings", "t-1"},
			replies:    map[string]cannedReply{"GET /bbb/tenants/t-1/settings": {200, settings}},
			want:       []recordedRequest{{Method: "GET", Path: "/bbb/tenants/t-1/settings"}},
			wantStdout: "PARAM    KIND      VALUE\nrecord   override  false\nwelcome  default   hi\n",
		},
		{
			name: "settings set merges",
			args: []string{"tenants", "settings", "set", "t-1", "--default", "record=true", "--override", "logo=https://x/a.png?b=c",
				"--unset", "welcome"},
			replies: map[string]cannedReply{
				"GET /bbb/tenants/t-1/settings": {200, settings},
				"PUT /bbb/tenants/t-1/settings": {200, `[]`},
			},
			want: []recordedRequest{
				{Method: "GET", Path: "/bbb/tenants/t-1/settings"},
				{Method: "PUT", Path: "/bbb/tenants/t-1/settings", ContentType: cliJSONType,
					Body: `[{"param":"logo","value":"https://x/a.png?b=c","override":true},{"param":"record","value":"true","override":false}]`},
			},
			wantStdout: "PARAM   KIND      VALUE\nlogo    override  https://x/a.png?b=c\nrecord  default   true\n",
		},
		{
			name:       "settings clear",
			args:       []string{"tenants", "settings", "clear", "t-1"},
			replies:    map[string]cannedReply{"DELETE /bbb/tenants/t-1/settings": {200, `{}`}},
			want:       []recordedRequest{{Method: "DELETE", Path: "/bbb/tenants/t-1/settings"}},
			wantStdout: "OK: settings of tenant t-1 cleared\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestMergeSettings(t *testing.T) {
	current := []TenantSetting{{"b", "1", false}, {"a", "2", true}}
	tests := []struct {
		name    string
		changes []TenantSetting
		unset   []string
		want    []TenantSetting
	}{
		{"nothing", nil, nil, []TenantSetting{{"a", "2", true}, {"b", "1", false}}},
		{"default replaces override", []TenantSetting{{"a", "3", false}}, nil, []TenantSetting{{"a", "3", false}, {"b", "1", false}}},
		{"last change wins", []TenantSetting{{"c", "1", false}, {"c", "2", true}}, nil,
			[]TenantSetting{{"a", "2", true}, {"b", "1", false}, {"c", "2", true}}},
		{"unset after set", []TenantSetting{{"b", "9", true}}, []string{"b", "missing"}, []TenantSetting{{"a", "2", true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mergeSettings(current, tt.changes, tt.unset)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
