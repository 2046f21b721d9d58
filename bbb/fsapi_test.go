package bbb

import (
	"encoding/xml"
	"testing"
)

// dialplanDoc wraps the lines of a dialplan document's condition the way the
// encoder writes them.
func dialplanDoc(description, extension, expression, actions string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<document type="freeswitch/xml">
  <section name="dialplan" description="` + description + `">
    <context name="public">
      <extension name="` + extension + `">
        <condition field="destination_number" expression="` + expression + `">
` + actions + `        </condition>
      </extension>
    </context>
  </section>
</document>
`
}

const (
	promptActions = `          <action application="answer"></action>
          <action application="sleep" data="500"></action>
          <action application="playback" data="ivr/ivr-welcome.wav"></action>
          <action application="sleep" data="200"></action>
          <action application="play_and_get_digits" data="5 9 3 7000 # conference/conf-enter_conf_pin.wav conference/conf-bad-pin.wav pin \d+"></action>
          <action application="transfer" data="${pin} XML public"></action>
`
	promptActionsLimited = `          <action application="answer"></action>
          <action application="sched_hangup" data="+5400 normal_clearing"></action>
          <action application="sleep" data="500"></action>
          <action application="playback" data="ivr/ivr-welcome.wav"></action>
          <action application="sleep" data="200"></action>
          <action application="play_and_get_digits" data="5 9 3 7000 # conference/conf-enter_conf_pin.wav conference/conf-bad-pin.wav pin \d+"></action>
          <action application="transfer" data="${pin} XML public"></action>
`
	repromptActions = `          <action application="answer"></action>
          <action application="playback" data="conference/conf-bad-pin.wav"></action>
          <action application="sleep" data="500"></action>
          <action application="play_and_get_digits" data="5 7 3 7000 # conference/conf-enter_conf_pin.wav conference/conf-bad-pin.wav pin \d+"></action>
          <action application="transfer" data="${pin} XML public"></action>
`
)

func TestDialplanReject(t *testing.T) {
	const want = `<?xml version="1.0" encoding="UTF-8"?>
<document type="freeswitch/xml">
  <section name="result">
    <result status="not found"></result>
  </section>
</document>
`
	got, err := DialplanReject()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestDialplanPrompts(t *testing.T) {
	tests := []struct {
		name   string
		build  func(PinPrompt) ([]byte, error)
		prompt PinPrompt
		want   string
	}{
		{
			name:   "prompt",
			build:  DialplanPinPrompt,
			prompt: PinPrompt{Destination: "6135550100", MinDigits: 5, MaxDigits: 9},
			want:   dialplanDoc("Match DID and Pin for Conference", "match_did_and_prompt_for_pin", "^6135550100$", promptActions),
		},
		{
			name:   "prompt with max duration 90 minutes",
			build:  DialplanPinPrompt,
			prompt: PinPrompt{Destination: "6135550100", MinDigits: 5, MaxDigits: 9, MaxDuration: 90},
			want:   dialplanDoc("Match DID and Pin for Conference", "match_did_and_prompt_for_pin", "^6135550100$", promptActionsLimited),
		},
		{
			// QuoteMeta turns + into \+; the FreeSWITCH escape doubles the
			// backslash, which its variable expansion undoes.
			name:   "prompt for an E.164 number",
			build:  DialplanPinPrompt,
			prompt: PinPrompt{Destination: "+16135550100", MinDigits: 5, MaxDigits: 9},
			want:   dialplanDoc("Match DID and Pin for Conference", "match_did_and_prompt_for_pin", `^\\+16135550100$`, promptActions),
		},
		{
			name:   "prompt for a hostile number",
			build:  DialplanPinPrompt,
			prompt: PinPrompt{Destination: `1${x}"<&>.*`, MinDigits: 5, MaxDigits: 9},
			want: dialplanDoc("Match DID and Pin for Conference", "match_did_and_prompt_for_pin",
				`^1\\$\\{x\\}&#34;&lt;&amp;&gt;\\.\\*$`, promptActions),
		},
		{
			name:   "reprompt",
			build:  DialplanReprompt,
			prompt: PinPrompt{Destination: "123456", MinDigits: 5, MaxDigits: 7, MaxDuration: 90},
			want:   dialplanDoc("Reprompt for Conference Pin", "reprompt_for_pin", "^123456$", repromptActions),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.build(tt.prompt)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestDialplanBridge(t *testing.T) {
	bridgeActions := func(lines ...string) string {
		var s string
		for _, l := range lines {
			s += "          " + l + "\n"
		}
		return s
	}
	tests := []struct {
		name   string
		bridge DialInBridge
		want   string
	}{
		{
			name:   "plain",
			bridge: DialInBridge{Destination: "123456789", Pin: "123456789", Host: "bbb1.example.com", MeetingID: "room-1", CallerIDName: "Alice"},
			want: dialplanDoc("Bridge to BBB Server", "bridge_to_bbb_server", "^123456789$", bridgeActions(
				`<action application="set" data="meeting_id=room-1"></action>`,
				`<action application="set" data="effective_caller_id_name=Alice"></action>`,
				`<action application="bridge" data="sofia/external/123456789@bbb1.example.com"></action>`,
			)),
		},
		{
			name: "caller id and meeting id that try variable expansion",
			bridge: DialInBridge{Destination: "1234567891", Pin: "1234567891", Host: "10.0.0.7",
				MeetingID: `m\${x}`, CallerIDName: "${system(rm -rf /)}"},
			want: dialplanDoc("Bridge to BBB Server", "bridge_to_bbb_server", "^1234567891$", bridgeActions(
				`<action application="set" data="meeting_id=m\\\${x}"></action>`,
				`<action application="set" data="effective_caller_id_name=\${system(rm -rf /)}"></action>`,
				`<action application="bridge" data="sofia/external/1234567891@10.0.0.7"></action>`,
			)),
		},
		{
			name:   "xml in the caller name",
			bridge: DialInBridge{Destination: "55555", Pin: "55555", Host: "bbb", MeetingID: "a&b", CallerIDName: `"Bob" <x>`},
			want: dialplanDoc("Bridge to BBB Server", "bridge_to_bbb_server", "^55555$", bridgeActions(
				`<action application="set" data="meeting_id=a&amp;b"></action>`,
				`<action application="set" data="effective_caller_id_name=&#34;Bob&#34; &lt;x&gt;"></action>`,
				`<action application="bridge" data="sofia/external/55555@bbb"></action>`,
			)),
		},
		{
			name:   "ipv6 server and a time limit",
			bridge: DialInBridge{Destination: "55555", Pin: "55555", Host: "2001:db8::1", MeetingID: "m", CallerIDName: "Unavailable", MaxDuration: 90},
			want: dialplanDoc("Bridge to BBB Server", "bridge_to_bbb_server", "^55555$", bridgeActions(
				`<action application="sched_hangup" data="+5400 normal_clearing"></action>`,
				`<action application="set" data="meeting_id=m"></action>`,
				`<action application="set" data="effective_caller_id_name=Unavailable"></action>`,
				`<action application="bridge" data="sofia/external/55555@[2001:db8::1]"></action>`,
			)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DialplanBridge(tt.bridge)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestDialplanBridgeRoundTrip reads the caller name back the way an XML
// parser does: what FreeSWITCH gets is the escaped text, nothing else.
func TestDialplanBridgeRoundTrip(t *testing.T) {
	names := []string{"${system(id)}", `a\b`, "<&>\"'", "Zoë", `\${x}`}
	for _, name := range names {
		body, err := DialplanBridge(DialInBridge{Destination: "55555", Pin: "55555", Host: "h", MeetingID: "m", CallerIDName: name})
		if err != nil {
			t.Fatal(err)
		}
		var doc fsDocument
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%q: not XML: %v", name, err)
		}
		actions := doc.Section.Context.Extension.Condition.Actions
		if got, want := actions[1].Data, "effective_caller_id_name="+EscapeFreeSWITCH(name); got != want {
			t.Errorf("%q: data %q, want %q", name, got, want)
		}
	}
}

func TestEscapeFreeSWITCH(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain name", "plain name"},
		{"${system(id)}", `\${system(id)}`},
		{`back\slash`, `back\\slash`},
		{`\${x}`, `\\\${x}`},
		{"$5 and {braces}", "$5 and {braces}"},
		{"$${global}", `$\${global}`},
	}
	for _, tt := range tests {
		if got := EscapeFreeSWITCH(tt.in); got != tt.want {
			t.Errorf("EscapeFreeSWITCH(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCallerIDName(t *testing.T) {
	tests := []struct {
		name                 string
		in                   string
		hideNumber, hideName bool
		want                 string
	}{
		{"number masked", "5554321", false, false, "555XXXX"},
		{"long number masked", "16135550100", false, false, "1613555XXXX"},
		{"four digits all masked", "1234", false, false, "XXXX"},
		{"short number all masked", "123", false, false, "XXX"},
		{"hidden number", "5554321", true, false, "Unavailable"},
		{"hiding the name keeps the masked number", "5554321", false, true, "555XXXX"},
		{"name", "Alice Example", false, false, "Alice Example"},
		{"name with a plus is a name", "+15554321", false, false, "+15554321"},
		{"hidden name", "Alice Example", false, true, "Unavailable"},
		{"hiding the number keeps the name", "Alice Example", true, false, "Alice Example"},
		{"blank", "", false, false, "Unavailable"},
		{"spaces", "   ", false, false, "Unavailable"},
		{"name kept raw for the escaper", "${system(id)}", false, false, "${system(id)}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CallerIDName(tt.in, tt.hideNumber, tt.hideName); got != tt.want {
				t.Errorf("CallerIDName(%q, %v, %v) = %q, want %q", tt.in, tt.hideNumber, tt.hideName, got, tt.want)
			}
		})
	}
}

func TestIsPin(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"12345", true},
		{"0123456789", true},
		{"", false},
		{"12345a", false},
		{"1234 5", false},
		{"١٢٣٤٥", false}, // Arabic-Indic digits are not DTMF
	}
	for _, tt := range tests {
		if got := IsPin(tt.in); got != tt.want {
			t.Errorf("IsPin(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
