# MCollective's own verdict on requests, for comparing Drover's imported DDLs with it.
#   ruby validate_requests.rb AGENT.ddl < REQUESTS
# Each line of REQUESTS is a JSON array [action, {input: value, ...}]; each line printed is
# "ok" or "refused: why", as MCollective's client checks the request (defaults given to
# inputs left out, then validate_rpc_request).
require 'json'
require 'mcollective'

path = ARGV.fetch(0)
ddl = MCollective::DDL::AgentDDL.new(File.basename(path, '.ddl'), :agent, false)
ddl.instance_eval(File.read(path), path)
$stdin.each_line do |line|
  action, args = JSON.parse(line)
  args = args.to_h { |key, value| [key.to_sym, value] }
  begin
    ddl.set_default_input_arguments(action, args)
    ddl.validate_rpc_request(action, args)
    puts 'ok'
  rescue StandardError => e
    puts "refused: #{e.message.tr("\n", ' ')}"
  end
end
