import { useMutation } from "@tanstack/react-query"
import { Power, RotateCcw } from "lucide-react"
import { useState } from "react"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { canOperate } from "@/hooks/useAuth"
import { api, handleError } from "@/lib/api"
import { commandIdOf } from "@/lib/risk"
import type { User } from "@/lib/types"
import CommandProgress from "./CommandProgress"

interface KillSwitchProps {
  user: User | null
}

/** Kill / re-arm for operators; the command is queued, and the engine carries it out. */
const KillSwitch = ({ user }: KillSwitchProps) => {
  const allowed = canOperate(user)
  const [commandId, setCommandId] = useState<string | null>(null)
  const mutation = useMutation({
    mutationFn: (action: "kill" | "rearm") =>
      api.post<unknown>(`/api/risk/${action}`, { line: "both" }),
    onSuccess: (response) => setCommandId(commandIdOf(response)),
  })

  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-base">Kill switch</CardTitle>
        <CardDescription>
          Kill latches both lines: every new order is rejected until an operator re-arms. The
          dashboard queues the command; the engine carries it out on the gateware.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <div className="flex flex-wrap gap-2">
          <Button
            variant="destructive"
            disabled={!allowed || mutation.isPending}
            onClick={() => mutation.mutate("kill")}
          >
            <Power aria-hidden />
            Kill
          </Button>
          <Button
            variant="outline"
            disabled={!allowed || mutation.isPending}
            onClick={() => mutation.mutate("rearm")}
          >
            <RotateCcw aria-hidden />
            Re-arm
          </Button>
        </div>
        {!allowed && (
          <p className="text-sm text-zinc-400" data-testid="kill-switch-denied">
            Your role is <strong>{user?.role ?? "unknown"}</strong>: only an operator or an admin
            may kill or re-arm.
          </p>
        )}
        {mutation.isError && (
          <p role="alert" className="text-sm text-red-400">
            {handleError(mutation.error)}
          </p>
        )}
        {commandId && (
          <CommandProgress
            key={commandId}
            commandId={commandId}
            label={mutation.variables ?? "command"}
          />
        )}
      </CardContent>
    </Card>
  )
}

export default KillSwitch
