{{/* Chart name, overridable. */}}
{{- define "skyrocket.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name of the operator's objects: <release>-skyrocket-operator unless overridden. */}}
{{- define "skyrocket.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "skyrocket.name" .) .Release.Name -}}
{{- printf "%s-operator" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s-operator" .Release.Name (include "skyrocket.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "skyrocket.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Selector labels of the operator pods. app.kubernetes.io/name is <name>-operator so that they never match the
NameServer and broker pods the operator manages (those carry app.kubernetes.io/name=skyrocket).
*/}}
{{- define "skyrocket.selectorLabels" -}}
app.kubernetes.io/name: {{ include "skyrocket.name" . }}-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "skyrocket.labels" -}}
helm.sh/chart: {{ include "skyrocket.chart" . }}
{{ include "skyrocket.selectorLabels" . }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: skyrocket
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "skyrocket.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "skyrocket.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository:tag or repository@digest. */}}
{{- define "skyrocket.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}
