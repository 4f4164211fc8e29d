package kaseyavsa

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

var _ provider.AlertSource = (*Client)(nil)

// alarmsPath is the alarm listing. It always asks for every open alarm (returnAllRecords=true):
// "false" returns only alarms this API user has not fetched before, so one missed answer would
// lose an alarm for good. There is no bare /assetmgmt/alarms.
const (
	alarmsPath    = apiRoot + "assetmgmt/alarms/"
	allAlarmsPath = alarmsPath + "true/"
	alarmKey      = "vsa-alarm:"
)

type alarmRecord struct {
	AlarmID      vsaID `json:"AlarmId"`
	AgentID      vsaID `json:"AgentId"`
	MachineName  text  `json:"MachineName"`
	AlarmState   text  `json:"AlarmState"`
	AlarmSubject text  `json:"AlarmSubject"`
	Message      text  `json:"Message"`
	AlarmType    text  `json:"AlarmType"`
	AlarmTime    text  `json:"AlarmTime"`
}

// alert converts an alarm; org is its agent's organization ("" when the agent is unknown).
func (r alarmRecord) alert(org string) provider.Alert {
	title := string(r.AlarmSubject)
	if title == "" {
		title = firstLine(string(r.Message))
	}
	if m := string(r.MachineName); m != "" {
		title = m + ": " + title
	}
	return provider.Alert{
		Key:            alarmKey + string(r.AlarmID),
		ID:             string(r.AlarmID),
		OrganizationID: org,
		Title:          title,
		Details:        strings.TrimSpace(string(r.AlarmType) + " alarm on " + string(r.MachineName) + "\n\n" + string(r.Message)),
		Time:           alarmTime(string(r.AlarmTime)),
		Open:           !strings.EqualFold(string(r.AlarmState), "Closed"),
	}
}

// alarmTime reads AlarmTime; VSA writes server-local time without a zone, which is taken as UTC
// (it only labels tickets and lastAlertTime).
func alarmTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// ListOpenAlerts lists every open alarm and finds each one's organization through its agent:
// the alarm carries AgentId only, so the agents are listed once per call (one paged listing,
// not one call per alarm). VSA alarms have no severity; q.MinSeverity does not apply.
func (c *Client) ListOpenAlerts(ctx context.Context, _ provider.AlertQuery) ([]provider.Alert, error) {
	rows, err := listAll[alarmRecord](ctx, c, "ListOpenAlerts", allAlarmsPath, nil, "AlarmId")
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	agents, err := c.ListToolAssets(ctx, "")
	if err != nil {
		return nil, err
	}
	orgOf := make(map[string]string, len(agents))
	for _, a := range agents {
		orgOf[a.ID] = a.OrganizationID
	}
	out := make([]provider.Alert, 0, len(rows))
	for _, r := range rows {
		if a := r.alert(orgOf[string(r.AgentID)]); a.Open {
			out = append(out, a)
		}
	}
	return out, nil
}

// GetAlert reads one alarm (GET /assetmgmt/alarms/{alarmId}). Its organization is left empty:
// the caller asks only to learn whether an alarm it ticketed has cleared.
func (c *Client) GetAlert(ctx context.Context, id string) (provider.Alert, error) {
	const op = "GetAlert"
	if !isDecimalID(id) {
		return provider.Alert{}, c.http.Errorf(provider.KindInvalid, op, 0, "alarm id %q is not a VSA id", id)
	}
	resp, err := c.get(ctx, op, alarmsPath+id+"/", nil)
	if err != nil {
		return provider.Alert{}, err
	}
	if resp.StatusCode == http.StatusNotFound {
		return provider.Alert{}, c.http.Errorf(provider.KindNotFound, op, resp.StatusCode, "alarm %s does not exist", id)
	}
	env, err := c.decode(op, resp)
	if err != nil {
		return provider.Alert{}, err
	}
	var r alarmRecord
	if err := decodeResult(env.Result, &r); err != nil {
		return provider.Alert{}, c.http.Errorf(provider.KindInvalid, op, resp.StatusCode, "unreadable VSA alarm: %v", err)
	}
	return r.alert(""), nil
}
