{{- define "taskflow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 50 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "taskflow.labels" -}}
app.kubernetes.io/part-of: taskflow
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one service: pass (dict "root" $ "name" $name) */}}
{{- define "taskflow.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "taskflow.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* The environment every TaskFlow container gets: pass (dict "root" $ "name" $name). The audit
service reads its own DATABASE_URL key: a login limited to the taskflow_audit role's grants.
Only the api and recurring hold INTERNAL_SECRET (the api's internal endpoint), only the audit
service AUDIT_CHAIN_KEY (the chain's HMAC key). */}}
{{- define "taskflow.env" -}}
{{- $key := ternary .root.Values.secrets.auditDatabaseUrlKey "database-url" (eq .name "audit") -}}
- name: DATABASE_URL
  valueFrom: {secretKeyRef: {name: {{ .root.Values.secrets.name }}, key: {{ $key }}}}
- name: REDIS_URL
  valueFrom: {secretKeyRef: {name: {{ .root.Values.secrets.name }}, key: redis-url}}
- name: JWT_SECRET
  valueFrom: {secretKeyRef: {name: {{ .root.Values.secrets.name }}, key: jwt-secret}}
- name: ANTHROPIC_API_KEY
  valueFrom: {secretKeyRef: {name: {{ .root.Values.secrets.name }}, key: anthropic-api-key, optional: true}}
- name: APP_API_TOKEN
  valueFrom: {secretKeyRef: {name: {{ .root.Values.secrets.appTokenSecret }}, key: token}}
{{- if has .name (list "api" "recurring") }}
- name: INTERNAL_SECRET
  valueFrom: {secretKeyRef: {name: {{ .root.Values.secrets.name }}, key: internal-secret}}
{{- end }}
{{- if eq .name "audit" }}
- name: AUDIT_CHAIN_KEY
  valueFrom: {secretKeyRef: {name: {{ .root.Values.secrets.name }}, key: audit-chain-key}}
{{- end }}
- name: DAPR_API_TOKEN
  valueFrom: {secretKeyRef: {name: {{ .root.Values.secrets.apiTokenSecret }}, key: token}}
- name: EVENT_TRANSPORT
  value: dapr
- name: PUBSUB_NAME
  value: {{ .root.Values.dapr.pubsubName | quote }}
- name: LOG_FORMAT
  value: json
{{- with .root.Values.tracing.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: LOG_LEVEL
  value: {{ .root.Values.env.logLevel | quote }}
{{- with .root.Values.env.anthropicModel }}
- name: ANTHROPIC_MODEL
  value: {{ . | quote }}
{{- end }}
{{- end -}}
