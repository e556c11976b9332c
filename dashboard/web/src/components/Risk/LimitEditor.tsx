import { useMutation, useQuery } from "@tanstack/react-query"
import { type FormEvent, useState } from "react"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { Input } from "@/components/ui/input"
import { Label } from "@/components/ui/label"
import { canOperate } from "@/hooks/useAuth"
import { api, handleError } from "@/lib/api"
import { limitsQuery } from "@/lib/queries"
import { commandIdOf } from "@/lib/risk"
import type { User } from "@/lib/types"
import CommandProgress from "./CommandProgress"

interface LimitEditorProps {
  user: User | null
}

type Line = "gateware" | "drbguard"

const selectClass =
  "h-9 w-full rounded-md border border-zinc-700 bg-zinc-950 px-2 text-sm text-zinc-100 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-sky-500"

/** Ask the engine to change one limit; the server validates it and queues a command. */
const LimitEditor = ({ user }: LimitEditorProps) => {
  const allowed = canOperate(user)
  const limits = useQuery(limitsQuery())
  const [line, setLine] = useState<Line>("gateware")
  const [name, setName] = useState("")
  const [value, setValue] = useState("")
  const [commandId, setCommandId] = useState<string | null>(null)
  const names =
    line === "gateware"
      ? (limits.data?.gateware_names ?? [])
      : Object.keys(limits.data?.drbguard ?? {}).sort()
  const chosen = names.includes(name) ? name : (names[0] ?? "")
  const current = limits.data?.[line]?.[chosen]

  const mutation = useMutation({
    mutationFn: () => api.put<unknown>("/api/limits", { line, name: chosen, value }),
    onSuccess: (response) => setCommandId(commandIdOf(response)),
  })

  const submit = (event: FormEvent) => {
    event.preventDefault()
    mutation.mutate()
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-base">Change a limit</CardTitle>
        <CardDescription>
          Gateware limits are whole numbers in ticks, lots or time units (the wire format).
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form className="grid grid-cols-2 gap-3" onSubmit={submit}>
          <div className="flex flex-col gap-1">
            <Label htmlFor="limit-line">Line</Label>
            <select
              id="limit-line"
              className={selectClass}
              value={line}
              disabled={!allowed}
              onChange={(event) => setLine(event.target.value as Line)}
            >
              <option value="gateware">gateware</option>
              <option value="drbguard">drbguard</option>
            </select>
          </div>
          <div className="flex flex-col gap-1">
            <Label htmlFor="limit-name">Limit</Label>
            <select
              id="limit-name"
              className={selectClass}
              value={chosen}
              disabled={!allowed || names.length === 0}
              onChange={(event) => setName(event.target.value)}
            >
              {names.map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          </div>
          <div className="col-span-2 flex flex-col gap-1">
            <Label htmlFor="limit-value">
              New value{" "}
              <span className="font-normal text-zinc-500">
                (now {current === undefined ? "not reported" : String(current)})
              </span>
            </Label>
            <Input
              id="limit-value"
              inputMode="decimal"
              value={value}
              disabled={!allowed}
              onChange={(event) => setValue(event.target.value)}
              required
            />
          </div>
          <div className="col-span-2">
            <Button type="submit" disabled={!allowed || !chosen || mutation.isPending}>
              Set limit
            </Button>
          </div>
        </form>
        {line === "gateware" && (
          <p data-testid="limit-disarms" className="mt-2 text-sm text-amber-400">
            Fail closed (C2): a gateware limit change disarms the gateware. Nothing is accepted
            until an operator re-arms it with the Re-arm button.
          </p>
        )}
        {!allowed && (
          <p className="mt-2 text-sm text-zinc-400">
            Only an operator or an admin may change limits.
          </p>
        )}
        {mutation.isError && (
          <p role="alert" className="mt-2 text-sm text-red-400">
            {handleError(mutation.error)}
          </p>
        )}
        {commandId && (
          <div className="mt-3">
            <CommandProgress key={commandId} commandId={commandId} label="set_limit" />
          </div>
        )}
      </CardContent>
    </Card>
  )
}

export default LimitEditor
