# Prompt templates of the LLM narrative step (core/llm), one per analysis type and version, plus the
# repair prompt and the default price table: :/prompts/<type>.v<N>.txt
list(APPEND DEALSCOPE_RESOURCE_FILES
    prompts/business_analysis.v1.txt
    prompts/valuation.v1.txt
    prompts/risk_assessment.v1.txt
    prompts/market_intelligence.v1.txt
    prompts/repair.v1.txt
    prompts/price-table.json)
